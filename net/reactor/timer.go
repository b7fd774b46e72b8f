package reactor

import (
	"container/heap"
	"time"
)

// TimerID identifies a timer for Cancel. The zero TimerID cancels nothing.
type TimerID struct{ t *timer }

// Valid reports whether id names a timer (it may have fired or been
// cancelled since).
func (id TimerID) Valid() bool { return id.t != nil }

type timer struct {
	when     time.Duration // due time, on the loop's monotonic clock
	seq      uint64        // queueing order: timers due together run in it
	period   time.Duration // > 0 for RunEvery
	f        func()
	owner    *timerQueue // the loop's queue it belongs to (set once)
	index    int         // position in the heap, -1 when not queued
	canceled bool
}

// timerQueue is a min-heap of timers by due time, on a monotonic clock
// anchored at the queue's creation so that wall-clock jumps do not move it.
// Used only on the loop goroutine.
type timerQueue struct {
	base  time.Time
	heap  timerHeap
	due   []*timer // reused by runExpired
	seq   uint64   // next timer's queueing order
	ready bool
}

func (q *timerQueue) clock(t time.Time) time.Duration {
	if !q.ready {
		q.base, q.ready = time.Now(), true
	}
	return t.Sub(q.base)
}

// timeoutMs returns how long the poll may sleep: -1 without timers, else
// the milliseconds until the earliest timer, rounded up so that the loop
// never wakes a little early and spins. It reads only the monotonic clock
// (time.Since of a monotonic base), half the cost of time.Now, and nothing
// at all without timers: it runs once per loop iteration.
func (q *timerQueue) timeoutMs() int {
	if len(q.heap) == 0 {
		return -1
	}
	if !q.ready {
		q.base, q.ready = time.Now(), true
	}
	// Compare before subtracting: a due time far in the past (RunAt of the
	// zero Time saturates to the minimum Duration) would overflow.
	c, when := time.Since(q.base), q.heap[0].when
	if when <= c {
		return 0
	}
	d := when - c
	const maxWait = 1 << 30 // ms; also keeps the rounding below from overflowing
	if d >= maxWait*time.Millisecond {
		return maxWait
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

func (q *timerQueue) add(t *timer) {
	q.seq++
	t.seq = q.seq
	heap.Push(&q.heap, t)
}

// cancel cancels t if it is one of q's: the TimerID of another loop's
// timer names nothing here (its heap position is the other loop's, and
// only that loop's goroutine may touch it).
func (q *timerQueue) cancel(t *timer) {
	if t.owner != q {
		return
	}
	t.canceled = true
	if t.index >= 0 {
		heap.Remove(&q.heap, t.index)
	}
}

// runExpired runs every timer due at now, the time the poll returned (a
// timer that falls due while this iteration's events are handled runs in
// the next one, after a poll that does not sleep). A repeating timer is re-armed
// from its previous due time, not from now, so it does not drift; if the
// loop fell behind by more than a period, the missed ticks are skipped
// rather than run back to back, so it never piles up.
func (q *timerQueue) runExpired(l *EventLoop, now time.Time) {
	if len(q.heap) == 0 {
		return
	}
	c := q.clock(now)
	// Take every due timer out first, then run them, as muduo does: a
	// callback that re-arms itself in the past (RunAt(past)) then waits for
	// the next iteration instead of running forever and starving I/O.
	due := q.due[:0]
	for len(q.heap) > 0 && q.heap[0].when <= c {
		due = append(due, heap.Pop(&q.heap).(*timer))
	}
	for i, t := range due {
		due[i] = nil
		if t.canceled {
			continue // cancelled by an earlier callback of this batch
		}
		t.f()
		if t.period > 0 && !t.canceled {
			t.when += t.period
			if t.when <= c {
				t.when += ((c-t.when)/t.period + 1) * t.period
			}
			q.add(t)
		}
	}
	q.due = due[:0]
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	return h[i].when < h[j].when || h[i].when == h[j].when && h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

// RunAt runs f on the loop at time t (at once if t has passed). Safe from
// any goroutine.
func (l *EventLoop) RunAt(t time.Time, f func()) TimerID {
	return l.addTimer(t, 0, f)
}

// RunAfter runs f on the loop after d. Safe from any goroutine.
func (l *EventLoop) RunAfter(d time.Duration, f func()) TimerID {
	return l.addTimer(time.Now().Add(d), 0, f)
}

// RunEvery runs f on the loop every d, first after d, until cancelled. Ticks
// are on a fixed schedule (no drift); ticks missed while the loop was busy
// are skipped, not replayed. d must be positive: like time.NewTicker,
// RunEvery panics otherwise. Safe from any goroutine.
func (l *EventLoop) RunEvery(d time.Duration, f func()) TimerID {
	if d <= 0 {
		panic("reactor: RunEvery with non-positive interval")
	}
	return l.addTimer(time.Now().Add(d), d, f)
}

func (l *EventLoop) addTimer(at time.Time, period time.Duration, f func()) TimerID {
	t := &timer{period: period, f: f, owner: &l.timers, index: -1}
	l.RunInLoop(func() {
		if t.canceled {
			return // cancelled before it was even queued
		}
		t.when = l.timers.clock(at)
		l.timers.add(t)
	})
	return TimerID{t}
}

// Cancel stops the timer: it will not run again. Safe from any goroutine and
// from inside the timer's own callback (a repeating timer is then not
// re-armed). From another goroutine the cancel takes effect on the loop, so a
// callback already running, or due in the current iteration, may still run
// once. The TimerID of another loop's timer cancels nothing here.
func (l *EventLoop) Cancel(id TimerID) {
	if id.t == nil {
		return
	}
	l.RunInLoop(func() { l.timers.cancel(id.t) })
}
