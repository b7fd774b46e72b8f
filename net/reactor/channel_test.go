//go:build linux && !muduo_portable

// The Channel tests drive epoll with raw fds (pipes, socketpairs, EPOLLHUP
// and EPOLLERR): epoll internals, run on the epoll backend only. The
// portable backend's Channels are covered through net/tcp's tests.

package reactor

import (
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"golang.org/x/sys/unix"
)

// readAll reads what is available on a non-blocking fd; eof reports a
// read of 0.
func readAll(fd int) (data string, eof bool) {
	var buf [4096]byte
	for {
		n, err := unix.Read(fd, buf[:])
		if n > 0 {
			data += string(buf[:n])
			continue
		}
		return data, err == nil && n == 0
	}
}

// register runs f (which enables interest on channels) on the loop and
// fails the test on error.
func register(t *testing.T, l *EventLoop, f func() error) {
	t.Helper()
	var err error
	onLoop(t, l, func() { err = f() })
	if err != nil {
		t.Fatal(err)
	}
}

func TestChannelReadCallback(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	got := make(chan string, 10)
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{Read: func() {
		data, eof := readAll(a)
		if eof {
			data += "<EOF>"
			_ = ch.Remove()
		}
		got <- data
	}})
	if ch.Fd() != a || ch.Loop() != l || !ch.IsNoneEvent() {
		t.Fatal("Init did not set fd, loop and empty interest")
	}
	register(t, l, ch.EnableReading)
	if !ch.IsReading() || ch.IsWriting() || ch.Events()&unix.EPOLLRDHUP == 0 {
		t.Fatalf("interest after EnableReading: %#x", ch.Events())
	}
	writeString(t, b, "hello")
	if s := wait(t, got, "read callback"); s != "hello" {
		t.Fatalf("read %q", s)
	}
	writeString(t, b, "again")
	if s := wait(t, got, "second read callback"); s != "again" {
		t.Fatalf("read %q", s)
	}
}

func TestChannelWriteOnlyWhileEnabled(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	var writes, reads int // loop goroutine only
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{
		Read: func() { reads++; readAll(a) },
		Write: func() {
			writes++
			_ = ch.DisableWriting() // level-triggered: only while output is queued
		},
	})
	register(t, l, ch.EnableReading)
	// The socket is writable all along, but nobody asked.
	writeString(t, b, "x")
	settle(t, l)
	var w, r int
	onLoop(t, l, func() { w, r = writes, reads })
	if w != 0 || r != 1 {
		t.Fatalf("before EnableWriting: %d write and %d read callbacks, want 0 and 1", w, r)
	}
	register(t, l, ch.EnableWriting)
	settle(t, l)
	onLoop(t, l, func() { w = writes })
	if w != 1 {
		t.Fatalf("after EnableWriting: %d write callbacks, want 1", w)
	}
	settle(t, l)
	onLoop(t, l, func() { w = writes })
	if w != 1 {
		t.Fatalf("write callback ran %d times after DisableWriting", w-1)
	}
}

func TestChannelDisableReading(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	var reads atomic.Int32
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{Read: func() { reads.Add(1); readAll(a) }})
	register(t, l, ch.EnableReading)
	register(t, l, ch.DisableReading)
	if ch.IsReading() {
		t.Fatal("IsReading after DisableReading")
	}
	writeString(t, b, "ignored for now")
	settle(t, l)
	if n := reads.Load(); n != 0 {
		t.Fatalf("%d read callbacks while reading was disabled", n)
	}
	register(t, l, ch.EnableReading) // the data is still there: level-triggered
	settle(t, l)
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d read callbacks after re-enabling, want 1", n)
	}
	register(t, l, ch.DisableAll)
	writeString(t, b, "more")
	settle(t, l)
	if n := reads.Load(); n != 1 {
		t.Fatalf("read callback after DisableAll")
	}
	register(t, l, ch.Remove)
}

// The read callback removes the channel: the write callback of the same
// event (the socket is readable and writable at once) must not run.
func TestChannelRemoveInReadSkipsWrite(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	writeString(t, b, "data") // readable before the first poll sees it
	var reads, writes atomic.Int32
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{
		Read:  func() { reads.Add(1); _ = ch.Remove() },
		Write: func() { writes.Add(1) },
	})
	register(t, l, func() error {
		if err := ch.EnableReading(); err != nil {
			return err
		}
		return ch.EnableWriting()
	})
	settle(t, l)
	if reads.Load() != 1 || writes.Load() != 0 {
		t.Fatalf("%d read and %d write callbacks, want 1 and 0", reads.Load(), writes.Load())
	}
	if !ch.IsNoneEvent() {
		t.Fatal("interest left after Remove")
	}
}

// Without a read callback removing it, the same event gives read, then
// write (the order of the package documentation).
func TestChannelReadBeforeWrite(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	writeString(t, b, "data")
	var order []string
	done := make(chan struct{})
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{
		Read: func() { order = append(order, "read"); readAll(a) },
		Write: func() {
			order = append(order, "write")
			_ = ch.Remove()
			close(done)
		},
	})
	register(t, l, func() error {
		if err := ch.EnableReading(); err != nil {
			return err
		}
		return ch.EnableWriting()
	})
	wait(t, done, "write callback")
	if len(order) != 2 || order[0] != "read" || order[1] != "write" {
		t.Fatalf("callbacks %v, want [read write]", order)
	}
}

// The peer closing without sending anything wakes the read callback
// (EPOLLRDHUP / EOF), which then reads 0 bytes.
func TestChannelPeerCloseWakesRead(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a))
	l := startLoop(t)
	eof := make(chan bool, 1)
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{Read: func() {
		_, e := readAll(a)
		_ = ch.Remove()
		eof <- e
	}})
	register(t, l, ch.EnableReading)
	unix.Close(b)
	if !wait(t, eof, "read callback on peer close") {
		t.Fatal("read callback ran but the read was not EOF")
	}
}

// Over TCP: the peer's FIN (shutdown SHUT_WR) after data arrives as data
// first, then EOF, through read callbacks.
func TestChannelTCPHalfClose(t *testing.T) {
	leakCheck(t)
	lfd, err := socket.Listen(netip.MustParseAddrPort("127.0.0.1:0"), socket.ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ap, _ := socket.LocalAddr(lfd)
	cfd, err := socket.Socket(ap)
	if err != nil {
		unix.Close(lfd)
		t.Fatal(err)
	}
	t.Cleanup(closeFds(lfd, cfd))
	if err := unix.Connect(cfd, socket.ToSockaddr(ap)); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		t.Fatal(err)
	}
	l := startLoop(t)
	var conn Channel
	var sfd = -1
	got := make(chan string, 1)
	var data string
	var acceptor Channel
	acceptor.Init(l, lfd, &HandlerFuncs{Read: func() {
		fd, _, err := socket.Accept(lfd)
		if err != nil {
			return
		}
		sfd = fd
		_ = acceptor.Remove()
		conn.Init(l, fd, &HandlerFuncs{Read: func() {
			d, eof := readAll(fd)
			data += d
			if eof {
				_ = conn.Remove()
				got <- data
			}
		}})
		_ = conn.EnableReading()
	}})
	register(t, l, acceptor.EnableReading)
	pfd := []unix.PollFd{{Fd: int32(cfd), Events: unix.POLLOUT}}
	if _, err := unix.Poll(pfd, int(guard.Milliseconds())); err != nil {
		t.Fatal(err)
	}
	writeString(t, cfd, "last words")
	if err := socket.ShutdownWrite(cfd); err != nil {
		t.Fatal(err)
	}
	if s := wait(t, got, "data then EOF"); s != "last words" {
		t.Fatalf("read %q before EOF", s)
	}
	stop(t, l)
	unix.Close(sfd)
}

// EPOLLHUP without EPOLLIN (no read interest, peer gone): the close
// callback and nothing else.
func TestChannelHupCallsClose(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a))
	l := startLoop(t)
	var reads, writes atomic.Int32
	closed := make(chan struct{})
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{
		Read:  func() { reads.Add(1) },
		Write: func() { writes.Add(1) },
		Close: func() { _ = ch.Remove(); close(closed) },
	})
	register(t, l, func() error {
		if err := ch.EnableReading(); err != nil {
			return err
		}
		return ch.DisableAll() // registered, no interest: only HUP/ERR come
	})
	unix.Close(b)
	wait(t, closed, "close callback")
	if reads.Load() != 0 || writes.Load() != 0 {
		t.Fatalf("HUP also ran %d read and %d write callbacks", reads.Load(), writes.Load())
	}
}

// EPOLLERR (a pipe whose read end is gone) runs the error callback.
func TestChannelErrorCallback(t *testing.T) {
	leakCheck(t)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFds(p[1]))
	l := startLoop(t)
	errored := make(chan struct{})
	var ch Channel
	ch.Init(l, p[1], &HandlerFuncs{Error: func() { _ = ch.Remove(); close(errored) }})
	register(t, l, func() error {
		if err := ch.EnableWriting(); err != nil {
			return err
		}
		return ch.DisableAll()
	})
	unix.Close(p[0])
	wait(t, errored, "error callback")
}

func TestChannelDoubleRegistration(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	var c1, c2 Channel
	c1.Init(l, a, &HandlerFuncs{})
	c2.Init(l, a, &HandlerFuncs{})
	register(t, l, c1.EnableReading)
	var err error
	onLoop(t, l, func() { err = c2.EnableReading() })
	if err == nil {
		t.Fatal("a second channel registered the same fd")
	}
	register(t, l, c1.EnableReading) // unchanged interest: no-op, no error
	register(t, l, c1.Remove)
	register(t, l, c1.Remove) // twice: no-op
	register(t, l, c2.EnableReading)
	register(t, l, c2.Remove)
}

// Each registration gets a new sequence number, which every event carries.
func TestChannelSeqPerRegistration(t *testing.T) {
	leakCheck(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	l := startLoop(t)
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{})
	var s1, s2, s3 int32
	onLoop(t, l, func() {
		_ = ch.EnableReading()
		s1 = ch.seq
		_ = ch.EnableWriting() // a modification keeps the registration
		s2 = ch.seq
		_ = ch.Remove()
		_ = ch.EnableReading()
		s3 = ch.seq
		_ = ch.Remove()
	})
	if s1 != s2 {
		t.Fatalf("Modify changed seq %d -> %d", s1, s2)
	}
	if s3 == s1 {
		t.Fatalf("re-registration kept seq %d", s1)
	}
}
