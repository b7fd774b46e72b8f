package reactor

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// iterationHooks are the functions run at the end of every loop iteration.
// The loop reads the current list with one atomic load; registering and
// removing copy it under mu, so neither ever blocks the loop.
type iterationHooks struct {
	mu     sync.Mutex
	nextID uint64
	list   atomic.Pointer[[]iterationHook]
}

type iterationHook struct {
	id uint64
	f  func()
}

// OnIterationEnd registers f to run on the loop at the end of every
// iteration: after the iteration's ready events, expired timers and queued
// functors, just before the loop polls again, and once more when the loop
// stops. It is meant for work that batches what the iteration's callbacks
// did, such as publishing counters the callbacks keep in plain fields: a
// read or a write then costs no atomic operation, and readers elsewhere see
// numbers at most one iteration old. Hooks run in registration order and
// must not block.
//
// The returned function unregisters f. Both are safe from any goroutine; a
// hook registered or removed off the loop takes effect from the loop's next
// iteration.
func (l *EventLoop) OnIterationEnd(f func()) (remove func()) {
	h := &l.hooks
	h.mu.Lock()
	h.nextID++
	id := h.nextID
	next := []iterationHook{{id: id, f: f}}
	if cur := h.list.Load(); cur != nil {
		next = append(slices.Clone(*cur), next...)
	}
	h.list.Store(&next)
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		cur := h.list.Load()
		if cur == nil {
			return
		}
		next := slices.DeleteFunc(slices.Clone(*cur), func(x iterationHook) bool { return x.id == id })
		if len(next) == 0 {
			h.list.Store(nil)
			return
		}
		h.list.Store(&next)
	}
}

// runHooks runs the iteration hooks; loop goroutine only.
func (l *EventLoop) runHooks() {
	if cur := l.hooks.list.Load(); cur != nil {
		for _, h := range *cur {
			h.f()
		}
	}
}

// RunAndWait runs f on the loop and waits for it: at once on the loop
// goroutine, otherwise queued as by QueueInLoop and waited for until it
// has run, the loop has stopped, or timeout has passed (timeout <= 0: no
// timeout). It reports whether f ran; when it gives up, f may still run
// later; a loop that has stopped never runs it. Safe from any goroutine;
// called from another loop's goroutine it holds that loop up meanwhile,
// which is what the timeout bounds (two loops waiting on each other
// resolve when it passes).
func (l *EventLoop) RunAndWait(f func(), timeout time.Duration) bool {
	if l.InLoop() {
		f()
		return true
	}
	done := make(chan struct{})
	l.QueueInLoop(func() {
		f()
		close(done)
	})
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-done:
		return true
	case <-l.done:
	case <-expired:
	}
	select {
	case <-done: // ran as the loop stopped, or just in time
		return true
	default:
		return false
	}
}

// SyncEach runs f(x) on loopOf(x) for every x and waits for each (as
// RunAndWait, up to timeout per loop), so that per-iteration state the
// loops publish lazily is current when the caller reads it. Called from
// the goroutine of one of those loops, it runs f for that loop's items at
// once and does not wait on the others: two loops doing so at the same
// time would hold each other up. Safe from any goroutine.
func SyncEach[T any](xs []T, loopOf func(T) *EventLoop, f func(T), timeout time.Duration) {
	onLoop := false
	for _, x := range xs {
		if loopOf(x).InLoop() {
			onLoop = true
			f(x)
		}
	}
	if onLoop {
		return
	}
	for _, x := range xs {
		loopOf(x).RunAndWait(func() { f(x) }, timeout)
	}
}
