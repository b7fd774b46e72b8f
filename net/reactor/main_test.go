package reactor

import (
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// guard bounds every wait in these tests. It is a failure guard only: the
// tests never assert that anything is fast, they only refuse to hang.
const guard = 30 * time.Second

func TestMain(m *testing.M) {
	// The runtime's own poller opens its fds on first timer use; make that
	// happen before any test takes an fd baseline.
	time.Sleep(time.Millisecond)
	goleak.VerifyTestMain(m)
}

// fdCount returns the number of open fds of the process, or -1 where
// there is no /proc/self/fd to count them (the leak checks then count
// goroutines only).
func fdCount(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		if os.Getenv("CI") != "" && runtime.GOOS == "linux" {
			t.Fatalf("reading /proc/self/fd: %v", err)
		}
		return -1
	}
	return len(ents) - 1 // minus the fd ReadDir itself had open
}

// leakCheck must be the first call of a test: its cleanup runs last, after
// every loop the test started has been stopped, and checks that no
// goroutine is left behind and that the fd count is back at its baseline.
func leakCheck(t *testing.T) {
	t.Helper()
	base := fdCount(t)
	t.Cleanup(func() {
		goleak.VerifyNone(t)
		n := fdCount(t)
		for deadline := time.Now().Add(guard); n != base && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			n = fdCount(t)
		}
		if n != base {
			t.Errorf("open fds: %d before the test, %d after", base, n)
		}
	})
}

// newLoop creates a loop that is stopped (or closed, if never run) when the
// test ends.
func newLoop(t *testing.T, opts ...Option) *EventLoop {
	t.Helper()
	l, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, l) })
	return l
}

// startLoop creates and starts a loop.
func startLoop(t *testing.T, opts ...Option) *EventLoop {
	t.Helper()
	l := newLoop(t, opts...)
	started := make(chan struct{})
	go func() {
		l.Start()
		close(started)
	}()
	wait(t, started, "Start to return")
	return l
}

// stop quits l (or closes it if it never ran) and waits for it to finish.
func stop(t testing.TB, l *EventLoop) {
	t.Helper()
	if !l.started.Load() {
		l.Close()
	}
	l.Quit()
	wait(t, l.Done(), "loop to finish")
}

// wait waits for ch to be closed (or to deliver), failing after guard.
func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// onLoop runs f on l and waits for it to return.
func onLoop(t testing.TB, l *EventLoop, f func()) {
	t.Helper()
	done := make(chan struct{})
	l.QueueInLoop(func() {
		defer close(done)
		f()
	})
	wait(t, done, "functor to run")
}

// settle makes l go through at least one complete iteration whose poll
// started after the call: any event that is pending now (level-triggered)
// has been dispatched when settle returns.
func settle(t testing.TB, l *EventLoop) {
	t.Helper()
	onLoop(t, l, func() {})
	onLoop(t, l, func() {})
}

// blockLoop blocks l in a functor until the returned release is called.
func blockLoop(t testing.TB, l *EventLoop) (release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	l.QueueInLoop(func() {
		close(entered)
		<-gate
	})
	wait(t, entered, "loop to block")
	return func() { close(gate) }
}
