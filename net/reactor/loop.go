package reactor

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// ErrLoopClosed is returned when a loop that has finished is run again.
var ErrLoopClosed = errors.New("reactor: event loop closed")

// EventLoop is muduo's EventLoop: a Poller, the Channels registered with
// it, a timer queue and a queue of functors submitted from other
// goroutines, all driven by one goroutine locked to its OS thread.
//
// Methods documented "safe from any goroutine" may be called from anywhere;
// every other method must be called on the loop goroutine (from a callback
// the loop runs). Channel registration (Enable*, Disable*, Remove) checks
// and panics off the loop; the accessors called on every event (Now,
// Scratch, View, BufferPool) do not pay for the check, and misuse is a
// data race that the race detector reports.
type EventLoop struct {
	name   string
	logger *slog.Logger
	// The poller and the wakeup: epoll and an eventfd on Linux
	// (backend_epoll.go), Go's net package elsewhere (backend_portable.go).
	backend

	owner   atomic.Uintptr // g address of the goroutine running Run, 0 if none
	quit    atomic.Bool
	started atomic.Bool
	done    chan struct{}

	// Channels by fd (see channelTable): fds are small and dense, so an
	// index beats a map, and a slot costs 8 bytes.
	channels channelTable
	nextSeq  int32

	sleeping atomic.Bool // the loop is (about to be) blocked in Wait

	mu      sync.Mutex
	pending []func()
	running []func() // swapped with pending each iteration (muduo's swap)
	closed  bool     // the backend is closed; guarded by mu

	timers timerQueue
	now    time.Time // when the last Wait returned
	hooks  iterationHooks

	lastYield  time.Time // see maybeYield
	yields     uint64    // times maybeYield went through the scheduler
	yieldAsked bool      // YieldBeforePoll was called in this iteration
	yieldCheck bool      // an asked-for yield happened: look before sleeping (recheckYield)
	soleP      bool      // GOMAXPROCS was 1 at the last yield

	scratch []byte        // the shared read overflow buffer (buffer.ScratchSize)
	view    buffer.Buffer // a Buffer over scratch, for zero-copy message callbacks
	pool    buffer.Pool   // recycled connection buffers, owned by this loop

	load  atomic.Int64 // owner-maintained load figure (connections), see AddLoad
	probe probeState
}

// Option configures an EventLoop.
type Option func(*EventLoop)

// WithName names the loop in logs.
func WithName(name string) Option { return func(l *EventLoop) { l.name = name } }

// WithLogger sets the loop's logger (default slog.Default()).
func WithLogger(lg *slog.Logger) Option { return func(l *EventLoop) { l.logger = lg } }

// New creates an EventLoop: its poller (on Linux an epoll instance) and
// its wakeup (an eventfd). The loop does nothing until Run. Safe from any
// goroutine.
func New(opts ...Option) (*EventLoop, error) {
	l := &EventLoop{
		name:    "loop",
		logger:  slog.Default(),
		done:    make(chan struct{}),
		scratch: make([]byte, buffer.ScratchSize),
		pending: make([]func(), 0, 64),
		running: make([]func(), 0, 64),
	}
	for _, o := range opts {
		o(l)
	}
	if err := l.openBackend(); err != nil {
		return nil, err
	}
	return l, nil
}

// Name returns the loop's name.
func (l *EventLoop) Name() string { return l.name }

// Logger returns the loop's logger.
func (l *EventLoop) Logger() *slog.Logger { return l.logger }

// InLoop reports whether the caller is the loop goroutine. Safe from any
// goroutine; costs a register load and a compare (see the package doc).
func (l *EventLoop) InLoop() bool { return l.owner.Load() == getg() }

func (l *EventLoop) assertInLoop() {
	if !l.InLoop() {
		panic("reactor: " + l.name + ": called off the loop goroutine")
	}
}

// Now returns the time the current iteration's poll returned: the receive
// time of every event handled in this iteration. Loop goroutine only.
func (l *EventLoop) Now() time.Time { return l.now }

// Scratch returns the loop's shared read overflow buffer. Only code running
// on the loop may use it, and only until it returns to the loop.
func (l *EventLoop) Scratch() []byte { return l.scratch }

// View returns the loop's scratch-backed Buffer: a message can be handed to
// a callback straight out of the scratch it was read into. Loop only.
func (l *EventLoop) View() *buffer.Buffer { return &l.view }

// BufferPool returns the loop's pool of recycled buffer storage. Loop only.
func (l *EventLoop) BufferPool() *buffer.Pool { return &l.pool }

// AddLoad adjusts the loop's load figure (e.g. +1 per connection it owns),
// read by LoopPool's least-loaded policy. Safe from any goroutine.
func (l *EventLoop) AddLoad(delta int64) { l.load.Add(delta) }

// Load returns the loop's load figure. Safe from any goroutine.
func (l *EventLoop) Load() int64 { return l.load.Load() }

// Done is closed when Run has returned and the loop's resources are freed.
func (l *EventLoop) Done() <-chan struct{} { return l.done }

// Start runs the loop on a new goroutine and returns once it is running.
// Safe from any goroutine.
func (l *EventLoop) Start() {
	ready := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		l.QueueInLoop(func() { close(ready) })
		if err := l.Run(); err != nil {
			l.logger.Error("event loop stopped", "loop", l.name, "err", err)
		}
	}()
	// Run may return without ever running the functor (a loop that already
	// ran): don't wait forever for it.
	select {
	case <-ready:
	case <-returned:
	}
}

// Run runs the loop on the calling goroutine, which it locks to its OS
// thread, until Quit. When it returns the poller and the wakeup fd are
// closed and functors still queued have been run. A loop runs once.
func (l *EventLoop) Run() error {
	if !l.started.CompareAndSwap(false, true) {
		return ErrLoopClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l.owner.Store(getg())
	defer close(l.done)
	if err := l.startBackend(); err != nil {
		// The loop can not run: free its fds (Close is a no-op from now on).
		l.closeBackend()
		l.owner.Store(0)
		return err
	}
	var err error
	l.lastYield = time.Now()
	l.soleP = runtime.GOMAXPROCS(0) == 1
	for !l.quit.Load() {
		timeout := l.timers.timeoutMs()
		if l.yieldCheck {
			timeout = 0 // look before sleeping: see recheckYield
		}
		if timeout != 0 {
			l.sleeping.Store(true)
			if l.hasPending() {
				timeout = 0
			}
		}
		events, werr := l.poller.Wait(timeout)
		l.sleeping.Store(false)
		l.now = time.Now()
		if werr != nil {
			err = werr
			break
		}
		if l.yieldCheck {
			l.recheckYield(len(events))
		}
		for i := range events {
			ev := &events[i]
			if ch := l.channels.get(int(ev.Fd)); ch != nil && ch.seq == ev.Pad {
				ch.handleEvent(ev.Events, ev.Pad)
			}
		}
		l.timers.runExpired(l, l.now)
		l.runPending()
		l.runHooks()
		l.maybeYield()
	}
	// Functors queued before Quit still run (a connection's final close,
	// say); new ones queued after this point are dropped with the loop.
	l.runPending()
	l.runHooks()
	l.stopBackend()
	l.closeBackend()
	l.owner.Store(0)
	return err
}

// Quit asks the loop to stop after the current iteration. Safe from any
// goroutine, including from a callback on the loop itself.
// A Quit before Run is kept: that Run returns at once, after running the
// functors already queued.
func (l *EventLoop) Quit() {
	l.quit.Store(true)
	if !l.InLoop() {
		l.wakeup()
	}
}

// RunInLoop runs f on the loop: immediately if the caller is the loop
// goroutine, otherwise queued as by QueueInLoop. Safe from any goroutine.
func (l *EventLoop) RunInLoop(f func()) {
	if l.InLoop() {
		f()
		return
	}
	l.QueueInLoop(f)
}

// QueueInLoop queues f to run on the loop after the current iteration's
// events. Functors run in submission order: two calls from one goroutine run
// in the order they were made. Safe from any goroutine. Functors queued
// after the loop has finished are never run.
//
// No wakeup is needed from the loop itself, nor while the loop is busy: the
// loop checks the queue before every blocking poll. Only a loop that is
// (about to be) asleep is woken (an eventfd write), and at most once at a time.
func (l *EventLoop) QueueInLoop(f func()) {
	l.mu.Lock()
	l.pending = append(l.pending, f)
	l.mu.Unlock()
	if l.sleeping.Load() {
		l.wakeup()
	}
}

func (l *EventLoop) hasPending() bool {
	l.mu.Lock()
	n := len(l.pending)
	l.mu.Unlock()
	return n > 0
}

func (l *EventLoop) runPending() {
	l.mu.Lock()
	if len(l.pending) == 0 {
		l.mu.Unlock()
		return
	}
	l.pending, l.running = l.running[:0], l.pending
	l.mu.Unlock()
	for i, f := range l.running {
		l.running[i] = nil // drop the reference once run
		f()
	}
}

func (l *EventLoop) updateChannel(c *Channel) error {
	fd := int(c.fd)
	if !c.added {
		if c.events == 0 {
			return nil
		}
		if cur := l.channels.get(fd); cur != nil && cur != c {
			return fmt.Errorf("reactor: fd %d already registered", fd)
		}
		l.nextSeq++
		c.seq = l.nextSeq
		if err := l.poller.Add(fd, c.events, c.seq); err != nil {
			return err
		}
		c.added = true
		l.channels.set(fd, c)
		return nil
	}
	return l.poller.Modify(fd, c.events, c.seq)
}

func (l *EventLoop) removeChannel(c *Channel) error {
	if !c.added {
		return nil
	}
	c.added = false
	fd := int(c.fd)
	if l.channels.get(fd) == c {
		l.channels.set(fd, nil)
	}
	return l.poller.Delete(fd)
}

// closeUnstarted frees the resources of a loop that never ran.
func (l *EventLoop) closeUnstarted() {
	if !l.started.CompareAndSwap(false, true) {
		return
	}
	l.closeBackend()
	close(l.done)
}

// Close frees a loop that was created but never run. A loop that ran frees
// its resources when Run returns; Close is then a no-op.
func (l *EventLoop) Close() { l.closeUnstarted() }

// Running reports whether the loop's Run is executing. Safe from any
// goroutine.
func (l *EventLoop) Running() bool { return l.owner.Load() != 0 }
