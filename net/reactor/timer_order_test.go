package reactor

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// Timers due at the same instant run in the order they were queued (they
// used to come out of the heap in reverse).
func TestTimersDueTogetherRunInQueueingOrder(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	at := time.Now().Add(20 * time.Millisecond)
	var fired []int // loop goroutine only
	done := make(chan struct{})
	const n = 50
	onLoop(t, l, func() {
		for i := range n {
			l.RunAt(at, func() {
				fired = append(fired, i)
				if len(fired) == n {
					close(done)
				}
			})
		}
	})
	wait(t, done, "timers")
	if !slices.IsSorted(fired) {
		t.Fatalf("fired %v, want queueing order", fired)
	}
}

// Cancel with another loop's TimerID is ignored: it used to remove
// whatever timer sat at that heap position in this loop (and race with the
// other loop, which owns the timer).
func TestCancelForeignTimerIDIsIgnored(t *testing.T) {
	leakCheck(t)
	l1, l2 := startLoop(t), startLoop(t)
	var mine, theirs atomic.Int32
	done1, done2 := make(chan struct{}), make(chan struct{})
	l1.RunAfter(30*time.Millisecond, func() { mine.Add(1); close(done1) })
	id := l2.RunAfter(30*time.Millisecond, func() { theirs.Add(1); close(done2) })
	l1.Cancel(id)
	wait(t, done1, "l1's own timer")
	wait(t, done2, "l2's timer")
	if mine.Load() != 1 || theirs.Load() != 1 {
		t.Fatalf("fired %d and %d, want both once", mine.Load(), theirs.Load())
	}
}
