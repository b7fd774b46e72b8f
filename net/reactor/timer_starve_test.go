package reactor

import (
	"sync/atomic"
	"testing"
	"time"
)

// A timer that keeps re-arming itself in the past must not starve the
// loop: due timers are collected before any runs, so the re-armed one waits
// for the next iteration and functors (and I/O) get their turn.
func TestTimerRearmingInPastDoesNotStarve(t *testing.T) {
	l := startLoop(t)
	var fired atomic.Int64
	stop := make(chan struct{})
	var rearm func()
	rearm = func() {
		fired.Add(1)
		select {
		case <-stop:
			return
		default:
		}
		l.RunAt(time.Time{}, rearm) // due long ago
	}
	l.RunInLoop(func() { l.RunAt(time.Time{}, rearm) })
	ran := make(chan struct{})
	time.Sleep(10 * time.Millisecond)
	l.QueueInLoop(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("functor starved by a self-re-arming timer")
	}
	close(stop)
	if fired.Load() < 2 {
		t.Fatalf("timer fired %d times, want it to keep re-arming", fired.Load())
	}
}
