package reactor

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestRunQuitFromLoop(t *testing.T) {
	leakCheck(t)
	l := newLoop(t)
	ran := false
	l.QueueInLoop(func() {
		ran = true
		l.Quit() // from the loop itself: no wakeup needed, the loop just ends
	})
	if isClosed(l.Done()) {
		t.Fatal("Done closed before Run")
	}
	if err := l.Run(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !ran {
		t.Fatal("queued functor did not run")
	}
	if !isClosed(l.Done()) {
		t.Fatal("Done not closed after Run returned")
	}
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("second Run = %v, want ErrLoopClosed", err)
	}
	if l.InLoop() {
		t.Fatal("InLoop true on the former loop goroutine after Run returned")
	}
}

func TestQuitFromOutside(t *testing.T) {
	leakCheck(t)
	l := newLoop(t)
	errc := make(chan error, 1)
	go func() { errc <- l.Run() }()
	onLoop(t, l, func() {}) // the loop is running (and then goes idle)
	l.Quit()
	if err := wait(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v", err)
	}
	wait(t, l.Done(), "Done")
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("Run after Quit = %v, want ErrLoopClosed", err)
	}
	l.Quit() // quitting a finished loop is harmless
}

func TestQuitBeforeRun(t *testing.T) {
	leakCheck(t)
	l := newLoop(t)
	l.Quit()
	if err := l.Run(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !isClosed(l.Done()) {
		t.Fatal("Done not closed")
	}
}

func TestStartAndQuit(t *testing.T) {
	leakCheck(t)
	l := newLoop(t, WithName("started"))
	l.Start()
	var inLoop atomic.Bool
	onLoop(t, l, func() { inLoop.Store(l.InLoop()) })
	if !inLoop.Load() {
		t.Fatal("functor of a started loop did not run on the loop")
	}
	l.Quit()
	wait(t, l.Done(), "Done")
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("Run after Start+Quit = %v", err)
	}
}

// Starting a loop that has already run must not hang waiting for a loop
// that will never run again.
func TestStartFinishedLoopReturns(t *testing.T) {
	leakCheck(t)
	l := newLoop(t, WithLogger(slog.New(slog.DiscardHandler)))
	l.Quit()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	go func() {
		l.Start()
		close(returned)
	}()
	wait(t, returned, "Start of a finished loop to return")

	c := newLoop(t, WithLogger(slog.New(slog.DiscardHandler)))
	c.Close()
	returned = make(chan struct{})
	go func() {
		c.Start()
		close(returned)
	}()
	wait(t, returned, "Start of a closed loop to return")
}

func TestCloseUnstarted(t *testing.T) {
	leakCheck(t)
	base := fdCount(t)
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := fdCount(t); base >= 0 && got != base+backendFds {
		t.Errorf("a new loop holds %d fds, want %d (on Linux's epoll backend: epoll and eventfd)", got-base, backendFds)
	}
	l.QueueInLoop(func() { t.Error("functor of a loop that never ran was run") })
	l.Close()
	if got := fdCount(t); got != base {
		t.Errorf("Close left %d fds open", got-base)
	}
	if !isClosed(l.Done()) {
		t.Fatal("Done not closed by Close")
	}
	l.Close() // idempotent
	l.Quit()  // harmless: the eventfd is closed, nothing is written
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("Run after Close = %v, want ErrLoopClosed", err)
	}
}

func TestCloseAfterRunIsNoop(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	l.Quit()
	wait(t, l.Done(), "Done")
	l.Close()
}

func TestRunFreesFds(t *testing.T) {
	leakCheck(t)
	base := fdCount(t)
	for i := 0; i < 20; i++ {
		l, err := New()
		if err != nil {
			t.Fatal(err)
		}
		l.Start()
		l.Quit()
		wait(t, l.Done(), "Done")
	}
	if got := fdCount(t); got != base {
		t.Fatalf("20 loops run and quit leaked %d fds", got-base)
	}
}

// Functors queued before Quit still run; Quit from outside while the loop
// is busy in a functor ends it after that iteration.
func TestFunctorsQueuedBeforeQuitRun(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	release := blockLoop(t, l)
	var n atomic.Int32
	for i := 0; i < 100; i++ {
		l.QueueInLoop(func() { n.Add(1) })
	}
	l.Quit()
	release()
	wait(t, l.Done(), "Done")
	if n.Load() != 100 {
		t.Fatalf("%d of 100 functors queued before Quit ran", n.Load())
	}
}

func TestFunctorAfterDoneNeverRuns(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	l.Quit()
	wait(t, l.Done(), "Done")
	l.QueueInLoop(func() { t.Error("functor queued after Done ran") })
	l.RunInLoop(func() { t.Error("RunInLoop after Done ran") })
}

func TestInLoop(t *testing.T) {
	leakCheck(t)
	l := newLoop(t)
	if l.InLoop() {
		t.Fatal("InLoop true before Run")
	}
	l.Start()
	if l.InLoop() {
		t.Fatal("InLoop true on the test goroutine")
	}

	var fromFunctor, fromTimer, fromChannel, fromRunInLoop atomic.Bool
	onLoop(t, l, func() { fromFunctor.Store(l.InLoop()) })

	timerDone := make(chan struct{})
	l.RunAfter(0, func() { fromTimer.Store(l.InLoop()); close(timerDone) })
	wait(t, timerDone, "timer")

	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	var ch Channel
	chDone := make(chan struct{})
	ch.Init(l, a, &HandlerFuncs{Read: func() {
		fromChannel.Store(l.InLoop())
		_ = ch.Remove()
		close(chDone)
	}})
	onLoop(t, l, func() {
		if err := ch.EnableReading(); err != nil {
			t.Error(err)
		}
	})
	writeString(t, b, "x")
	wait(t, chDone, "channel read callback")

	onLoop(t, l, func() {
		// RunInLoop on the loop runs synchronously.
		ran := false
		l.RunInLoop(func() { ran = true })
		fromRunInLoop.Store(ran)
	})

	if !fromFunctor.Load() || !fromTimer.Load() || !fromChannel.Load() {
		t.Fatalf("InLoop in callbacks: functor %v, timer %v, channel %v; want all true",
			fromFunctor.Load(), fromTimer.Load(), fromChannel.Load())
	}
	if !fromRunInLoop.Load() {
		t.Fatal("RunInLoop on the loop goroutine did not run immediately")
	}

	// Other goroutines, many of them at once, are never the loop.
	var wg sync.WaitGroup
	var wrong atomic.Int32
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if l.InLoop() {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("InLoop true %d times on other goroutines", wrong.Load())
	}
	// A goroutine started from a loop callback is not the loop either.
	var fromChild atomic.Bool
	fromChild.Store(true)
	childDone := make(chan struct{})
	onLoop(t, l, func() {
		go func() { fromChild.Store(l.InLoop()); close(childDone) }()
	})
	wait(t, childDone, "child goroutine")
	if fromChild.Load() {
		t.Fatal("InLoop true on a goroutine started by a loop callback")
	}

	l.Quit()
	wait(t, l.Done(), "Done")
	if l.InLoop() {
		t.Fatal("InLoop true after the loop finished")
	}
}

// Two loops: each one's callbacks are on its own loop only.
func TestInLoopTwoLoops(t *testing.T) {
	leakCheck(t)
	l1, l2 := startLoop(t), startLoop(t)
	var own, other atomic.Bool
	onLoop(t, l1, func() { own.Store(l1.InLoop()); other.Store(l2.InLoop()) })
	if !own.Load() || other.Load() {
		t.Fatalf("on l1: l1.InLoop %v, l2.InLoop %v", own.Load(), other.Load())
	}
}

func TestRunInLoopQueuesFromOutside(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	release := blockLoop(t, l)
	var ran atomic.Bool
	done := make(chan struct{})
	l.RunInLoop(func() { ran.Store(true); close(done) })
	if ran.Load() {
		t.Fatal("RunInLoop from another goroutine ran the functor synchronously")
	}
	release()
	wait(t, done, "queued RunInLoop functor")
}

func TestOffLoopChannelCallPanics(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	a, b := socketpair(t)
	t.Cleanup(closeFds(a, b))
	var ch Channel
	ch.Init(l, a, &HandlerFuncs{})
	defer func() {
		if recover() == nil {
			t.Fatal("EnableReading off the loop goroutine did not panic")
		}
	}()
	_ = ch.EnableReading()
}

func TestAccessors(t *testing.T) {
	leakCheck(t)
	lg := slog.New(slog.DiscardHandler)
	l := startLoop(t, WithName("acc"), WithLogger(lg))
	if l.Name() != "acc" || l.Logger() != lg {
		t.Fatalf("Name %q, Logger %p", l.Name(), l.Logger())
	}
	l.AddLoad(3)
	l.AddLoad(-1)
	if l.Load() != 2 {
		t.Fatalf("Load = %d", l.Load())
	}
	onLoop(t, l, func() {
		if len(l.Scratch()) != buffer.ScratchSize {
			t.Errorf("Scratch is %d bytes", len(l.Scratch()))
		}
		if l.Now().IsZero() {
			t.Error("Now is zero inside a callback")
		}
		if l.View() == nil || l.BufferPool() == nil {
			t.Error("View or BufferPool nil")
		}
		var b buffer.Buffer
		l.BufferPool().Get(&b)
		l.BufferPool().Put(&b)
		if l.BufferPool().Len() != 1 {
			t.Error("loop's buffer pool did not keep the storage")
		}
	})
}
