// Package reactor is the event-loop core of muduo-go: EventLoop, Channel,
// the poller (epoll, or Go's net package), timers, cross-goroutine wakeup
// and a pool of loops.
//
// # Backends: epoll on Linux, Go's net package elsewhere
//
// On Linux the loop polls epoll and is woken through an eventfd; this is
// the fast path, and every benchmark figure of muduo-go means it. On every
// other system (macOS, Windows, FreeBSD ...), and on Linux when built with
// the muduo_portable build tag (go test -tags muduo_portable ./...), the
// loop runs on the portable backend: sockets are Go net.TCPConns behind
// fd-like handles (internal/portsock), each connection's reads and writes
// run on a reader and a writer goroutine of its own, and the loop sleeps
// on a Go channel that those goroutines and other loops' wakeups send to.
// The API and the guarantees are the same on both: every Channel callback,
// timer and functor runs on the loop goroutine, level-triggered, in the
// order below. What only the epoll backend has:
// Channels for arbitrary file descriptors (the portable loop polls only its
// own socket handles; registering anything else fails with an error), and
// fds that mean something to a system call. net.Backend names the backend
// a build uses.
//
// # One loop, one goroutine, one OS thread
//
// An EventLoop is run by exactly one goroutine, locked to its OS thread for
// the loop's lifetime (runtime.LockOSThread), so that the loop, its epoll
// instance and everything it owns are touched by one thread, as in muduo's
// "one loop per thread". Every callback a loop invokes (channel events,
// timers, functors) runs on that goroutine, one at a time: a callback needs
// no locks for state the loop owns, and must not block, because everything
// else on the loop waits for it.
//
// # "Am I on the loop?"
//
// muduo answers isInLoopThread by comparing a cached thread id. Go exposes
// no goroutine id, and a syscall (gettid) on every Send would cost as much as
// the send itself. The loop instead records the address of its goroutine's
// runtime g structure when it starts, and InLoop compares the caller's g
// address with it: one register or TLS load (see getg_amd64.s and
// getg_arm64.s), no syscall, no allocation. A g address is unique among live
// goroutines and the loop goroutine lives as long as the loop runs, so the
// compare can not give a false positive; before Run and after it returns no
// goroutine is the loop. Other architectures fall back to parsing the
// goroutine id from runtime.Stack: correct, only slower.
//
// # Order of events for a ready fd
//
// The poller is level-triggered. For one ready fd the loop handles, in this
// order (see Channel.handleEvent):
//
//  1. EPOLLHUP without EPOLLIN: the connection is gone with nothing left to
//     read: the close callback, and nothing else.
//  2. EPOLLERR: the error callback (the owner reads SO_ERROR), then reading
//     proceeds so that bytes already received are not dropped.
//  3. EPOLLIN, EPOLLPRI, EPOLLRDHUP (or HUP with IN): the read callback.
//     Data the peer sent before its FIN arrives here first; the FIN is seen
//     as a read of 0 bytes after the data, so no byte is lost to a close.
//  4. EPOLLOUT: the write callback, last, so that whatever the read callback
//     queued in response goes out in the same iteration.
//
// After every callback the channel's registration is checked again, so that
// once an owner removes its channel (it closed the connection in the read
// callback, say) no later callback of the same batch reaches it. Events
// carry the registration's sequence number, so an event fetched for an fd
// that was closed and reused within one batch is dropped rather than
// delivered to the new owner.
//
// # One iteration
//
// Each iteration of Run polls (sleeping only when no functor is pending and
// no timer is due), handles the ready fds as above, runs the timers due at
// the poll's return time, runs the functors queued so far (swapped out
// under the lock, as muduo does), and ends with the OnIterationEnd hooks,
// where owners publish what the iteration's callbacks counted in plain
// fields. The clock is read once per iteration (Now); the poll's timeout
// reads only the monotonic clock. Every 4 ms of iterations the loop
// goroutine also passes through the Go scheduler (runtime.Gosched), which
// keeps the runtime's sysmon thread from preempting a busy loop and then
// polling, and preempting it, every 20 us (see yieldEvery). A callback that
// hands work to another goroutine can ask for that yield at the end of the
// current iteration (YieldBeforePoll), so that with one P the goroutine
// runs before the loop sleeps in the poller.
//
// # For protocol authors: what a loop shares with the code it runs
//
// Most users never touch a loop: tcp, http and rpc own theirs. A protocol
// written on the reactor or on tcp (as http and rpc are) uses what they
// use, each documented on its method: Scratch and View (one read buffer
// per loop, so a message can be parsed straight out of it and an idle
// connection holds none), BufferPool (recycled buffer storage per loop),
// OnIterationEnd (publish counters kept in plain fields, flush a batch of
// replies once per iteration), YieldBeforePoll (hand work to a goroutine
// without waiting for the runtime to take the P back), AddLoad (what
// LoopPool's LeastLoaded balances on), Probe and QueueDelay (how long a
// functor waits: the loop's own "how busy am I"), and SyncEach (read
// state several loops publish lazily, without racing them).
package reactor
