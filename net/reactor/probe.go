package reactor

import (
	"sync/atomic"
	"time"
)

// probeState measures how long a functor waits in the loop's queue: the
// latency a Send or RunInLoop from another goroutine sees, the loop's own
// "how busy am I" figure. One probe functor is in the queue at a time.
type probeState struct {
	inFlight atomic.Bool
	sent     atomic.Int64 // unix nanoseconds
	delay    atomic.Int64 // last measured delay, nanoseconds
}

// Probe queues a functor that records how long it waited to run; read the
// result with QueueDelay. Cheap enough to call once a second from a stats
// collector; a call while a probe is still queued does nothing (so a stuck
// loop is not flooded). Safe from any goroutine.
func (l *EventLoop) Probe() {
	p := &l.probe
	if !p.inFlight.CompareAndSwap(false, true) {
		// Still waiting: report at least how long it has waited so far.
		if d := time.Now().UnixNano() - p.sent.Load(); d > p.delay.Load() {
			p.delay.Store(d)
		}
		return
	}
	p.sent.Store(time.Now().UnixNano())
	l.QueueInLoop(l.probeRan)
}

func (l *EventLoop) probeRan() {
	p := &l.probe
	p.delay.Store(time.Now().UnixNano() - p.sent.Load())
	p.inFlight.Store(false)
}

// QueueDelay returns the functor-queue delay measured by the latest Probe.
// Safe from any goroutine.
func (l *EventLoop) QueueDelay() time.Duration { return time.Duration(l.probe.delay.Load()) }
