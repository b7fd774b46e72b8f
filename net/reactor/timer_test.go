package reactor

import (
	"sync/atomic"
	"testing"
	"time"
)

// Timers with different due times fire in due-time order, whatever order
// they were added in.
func TestRunAtOrder(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	base := time.Now()
	delays := []int{50, 10, 40, 0, 30, 20, 60, 5}
	var fired []int // loop goroutine only
	done := make(chan struct{})
	// The loop is held while the timers are queued, so a stall of this
	// goroutine can not let an early timer fire before a later-queued one
	// with an earlier due time exists: they reach the loop together, and
	// however late the loop then runs, the heap must order them.
	hold := make(chan struct{})
	l.QueueInLoop(func() { <-hold })
	for _, d := range delays {
		l.RunAt(base.Add(time.Duration(d)*time.Millisecond), func() {
			fired = append(fired, d)
			if len(fired) == len(delays) {
				close(done)
			}
		})
	}
	close(hold)
	wait(t, done, "timers")
	for i := 1; i < len(fired); i++ {
		if fired[i] < fired[i-1] {
			t.Fatalf("timers fired in order %v, want ascending due times", fired)
		}
	}
}

func TestRunAfterOrderFromLoop(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var fired []time.Duration
	done := make(chan struct{})
	delays := []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	onLoop(t, l, func() {
		// Added from the loop itself: RunAfter registers synchronously.
		for _, d := range delays {
			l.RunAfter(d, func() {
				fired = append(fired, d)
				if len(fired) == len(delays) {
					close(done)
				}
			})
		}
	})
	wait(t, done, "timers")
	if fired[0] != 10*time.Millisecond || fired[1] != 20*time.Millisecond || fired[2] != 30*time.Millisecond {
		t.Fatalf("fired %v", fired)
	}
}

func TestRunAfterWaitsAtLeastDelay(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const d = 20 * time.Millisecond
	start := time.Now()
	got := make(chan time.Duration, 1)
	l.RunAfter(d, func() { got <- time.Since(start) })
	if el := wait(t, got, "timer"); el < d {
		t.Fatalf("RunAfter(%v) fired after %v", d, el)
	}
}

func TestRunAtPastFires(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	done := make(chan struct{}, 2)
	l.RunAt(time.Now().Add(-time.Hour), func() { done <- struct{}{} })
	l.RunAt(time.Time{}, func() { done <- struct{}{} })
	wait(t, done, "timer in the past")
	wait(t, done, "timer at the zero time")
}

// A timer cancelled from outside before it is due never fires. The loop is
// held while RunAfter and Cancel are issued, so both take effect in the same
// batch, before the timer can become due: no timing involved.
func TestCancelFromOutsideBeforeFire(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var fired atomic.Bool
	release := blockLoop(t, l)
	id := l.RunAfter(time.Millisecond, func() { fired.Store(true) })
	if !id.Valid() {
		t.Fatal("TimerID not valid")
	}
	l.Cancel(id)
	release()
	later := make(chan struct{})
	l.RunAfter(50*time.Millisecond, func() { close(later) })
	wait(t, later, "a later timer")
	if fired.Load() {
		t.Fatal("cancelled timer fired")
	}
}

func TestCancelOnLoopBeforeFire(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var fired atomic.Bool
	later := make(chan struct{})
	onLoop(t, l, func() {
		id := l.RunAfter(0, func() { fired.Store(true) })
		l.Cancel(id) // same iteration: the timer cannot have run yet
		l.RunAfter(20*time.Millisecond, func() { close(later) })
	})
	wait(t, later, "a later timer")
	if fired.Load() {
		t.Fatal("timer cancelled on the loop fired")
	}
}

func TestCancelEdgeCases(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	l.Cancel(TimerID{}) // the zero TimerID cancels nothing
	if (TimerID{}).Valid() {
		t.Fatal("zero TimerID valid")
	}
	var n atomic.Int32
	fired := make(chan struct{})
	id := l.RunAfter(0, func() { n.Add(1); close(fired) })
	wait(t, fired, "timer")
	l.Cancel(id) // after it fired: harmless
	l.Cancel(id) // twice
	settle(t, l)
	if n.Load() != 1 {
		t.Fatalf("fired %d times", n.Load())
	}
}

// Cancel from inside a RunEvery callback: that callback is the last one.
func TestCancelEveryFromOwnCallback(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const period = 5 * time.Millisecond
	count := 0 // loop goroutine only
	var id TimerID
	cancelled := make(chan struct{})
	onLoop(t, l, func() {
		id = l.RunEvery(period, func() {
			count++
			if count == 3 {
				l.Cancel(id)
				close(cancelled)
			}
		})
	})
	wait(t, cancelled, "third tick")
	later := make(chan int)
	l.RunAfter(10*period, func() { later <- count })
	if got := wait(t, later, "a later timer"); got != 3 {
		t.Fatalf("RunEvery ran %d times, want exactly 3 (cancelled in the 3rd)", got)
	}
}

// Cancel of a RunEvery from another goroutine: once the cancel has taken
// effect on the loop no tick runs again.
func TestCancelEveryFromOtherGoroutine(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const period = 5 * time.Millisecond
	var count atomic.Int32
	twice := make(chan struct{})
	id := l.RunEvery(period, func() {
		if count.Add(1) == 2 {
			close(twice)
		}
	})
	wait(t, twice, "two ticks")
	cancelled := make(chan struct{})
	go func() {
		l.Cancel(id)
		close(cancelled)
	}()
	wait(t, cancelled, "Cancel")
	var atCancel int32
	onLoop(t, l, func() { atCancel = count.Load() }) // runs after the cancel
	later := make(chan struct{})
	l.RunAfter(10*period, func() { close(later) })
	wait(t, later, "a later timer")
	if got := count.Load(); got != atCancel {
		t.Fatalf("RunEvery ticked %d more times after Cancel took effect", got-atCancel)
	}
}

// RunEvery ticks on a schedule: never more often than the period allows,
// and it keeps ticking.
func TestRunEveryCount(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const period = 10 * time.Millisecond
	start := time.Now()
	var count atomic.Int32
	tenth := make(chan struct{})
	id := l.RunEvery(period, func() {
		if count.Add(1) == 10 {
			close(tenth)
		}
	})
	wait(t, tenth, "ten ticks")
	l.Cancel(id)
	var n int32
	onLoop(t, l, func() { n = count.Load() })
	elapsed := time.Since(start)
	// The first tick is after one period and each one a period later, so
	// in elapsed there can be at most elapsed/period ticks.
	if max := int32(elapsed / period); n > max {
		t.Fatalf("%d ticks in %v with a %v period (at most %d possible)", n, elapsed, period, max)
	}
}

// A repeating timer whose loop was blocked for several periods does not
// replay the missed ticks back to back.
func TestRunEveryNoPileUp(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const period = 20 * time.Millisecond
	var ticks []time.Time // loop goroutine only
	first := make(chan struct{})
	var id TimerID
	onLoop(t, l, func() {
		id = l.RunEvery(period, func() {
			ticks = append(ticks, time.Now())
			if len(ticks) == 1 {
				close(first)
			}
		})
	})
	wait(t, first, "first tick")

	var unblocked time.Time
	var before int
	onLoop(t, l, func() {
		before = len(ticks)
		time.Sleep(5 * period) // hold the loop: five ticks come due
		unblocked = time.Now()
	})
	// Let a window of one period pass after the loop was released.
	done := make(chan struct{})
	l.RunAt(unblocked.Add(3*period), func() { l.Cancel(id); close(done) })
	wait(t, done, "window after the block")
	var after []time.Time
	onLoop(t, l, func() { after = append(after, ticks[before:]...) })

	if len(after) == 0 {
		t.Fatal("no tick after the loop was released")
	}
	// In any window shorter than a period there can be at most two ticks:
	// the late one for the missed schedule, and the next on the schedule.
	inWindow := 0
	for _, tk := range after {
		if tk.Before(unblocked.Add(period)) {
			inWindow++
		}
	}
	if inWindow > 2 {
		t.Fatalf("%d ticks within one period after a %v block: missed ticks were replayed", inWindow, 5*period)
	}
	// And the ticks after the block are spaced by (about) the schedule:
	// never two in one batch, so never two closer than the batch itself.
	if len(after) > 1+int(time.Since(unblocked)/period)+1 {
		t.Fatalf("%d ticks after the block, more than the schedule allows", len(after))
	}
}

func TestRunEveryNonPositivePanics(t *testing.T) {
	leakCheck(t)
	l := newLoop(t)
	defer func() {
		if recover() == nil {
			t.Fatal("RunEvery(0) did not panic")
		}
	}()
	l.RunEvery(0, func() {})
}

// Timers do not keep a loop alive, and a loop with pending timers quits.
func TestQuitWithPendingTimers(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var fired atomic.Bool
	l.RunAfter(time.Hour, func() { fired.Store(true) })
	l.RunEvery(time.Hour, func() { fired.Store(true) })
	settle(t, l)
	l.Quit()
	wait(t, l.Done(), "loop with pending timers to quit")
	if fired.Load() {
		t.Fatal("an hour-long timer fired")
	}
}

func TestTimeoutMs(t *testing.T) {
	var q timerQueue
	if got := q.timeoutMs(); got != -1 {
		t.Fatalf("no timers: %d, want -1", got)
	}
	q.add(&timer{when: q.clock(time.Now().Add(1500 * time.Microsecond)), index: -1})
	ceilMs := func(d time.Duration) int { return int((d + time.Millisecond - 1) / time.Millisecond) }
	before := time.Since(q.base)
	got := q.timeoutMs()
	after := time.Since(q.base)
	// Rounded up: 1.5 ms ahead sleeps 2 ms unless the clock moved on.
	if hi, lo := ceilMs(q.heap[0].when-before), ceilMs(q.heap[0].when-after); got > hi || got < lo || got == 0 {
		t.Fatalf("1.5ms ahead: %d, want within [%d, %d] (rounded up)", got, lo, hi)
	}
	var far timerQueue
	far.add(&timer{when: far.clock(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)), index: -1})
	if got := far.timeoutMs(); got != 1<<30 {
		t.Fatalf("far future: %d, want the cap %d", got, 1<<30)
	}
	for _, past := range []time.Time{{}, time.Now().Add(-time.Hour)} {
		var q timerQueue
		q.add(&timer{when: q.clock(past), index: -1})
		if got := q.timeoutMs(); got != 0 {
			t.Fatalf("due at %v: timeout %d, want 0", past, got)
		}
	}
}

func TestRunAtFarFutureDoesNotBlockOthers(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	l.RunAt(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), func() { t.Error("far-future timer fired") })
	settle(t, l)
	done := make(chan struct{})
	l.RunAfter(time.Millisecond, func() { close(done) })
	wait(t, done, "a near timer next to a far-future one")
}
