package reactor

import (
	"slices"
	"sync"
	"sync/atomic"
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
