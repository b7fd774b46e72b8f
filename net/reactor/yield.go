package reactor

import (
	"runtime"
	"time"
)

// yieldEvery is how often a busy loop passes through the Go scheduler.
//
// The runtime's sysmon thread preempts, with a signal, a goroutine that has
// not been through the scheduler for 10 ms, and after each preemption (or
// each P it takes back from a syscall) it polls every 20 us for at least a
// millisecond before it backs off again. A loop goroutine under steady load
// never passes through the scheduler by itself: it reads, writes and polls
// without parking. Left alone it kept sysmon in its fast polling, and each
// sysmon wake-up preempts the loop on its CPU: at 1,000 connections on one
// pinned core the loop thread was switched out 15,000 times in 4 s, and the
// server spent 16-22% more CPU per request than with this yield (1,400
// switches in 4 s). Yielding well inside 10 ms keeps sysmon in its 10 ms backoff.
//
// On a locked thread Gosched hands the P to another thread and back (2 us
// with both on one CPU, up to 15 us across CPUs), paid once per yieldEvery.
// Goroutines waiting for the P (with GOMAXPROCS=1: detached handlers,
// workers) get to run then, as they would have at the preemption.
const yieldEvery = 4 * time.Millisecond

// YieldBeforePoll asks the loop to pass through the Go scheduler at the end
// of this iteration, before it polls again. A callback that has handed work
// to another goroutine (a worker, a detached handler) calls it: with
// GOMAXPROCS=1 the loop keeps the only P while it sleeps in the poller, and
// that goroutine would otherwise run only once the runtime takes the P back
// from the sleeping loop, 20 us to 10 ms later. With more than one P the
// goroutine runs on another one and the request is ignored, as it is from
// any goroutine but the loop's.
func (l *EventLoop) YieldBeforePoll() {
	if l.InLoop() {
		l.yieldAsked = true
	}
}

// maybeYield passes through the scheduler if the loop has not for
// yieldEvery, or if YieldBeforePoll asked it to and this process has one P.
// It is called on the loop at the end of every iteration; l.now is the time
// the iteration's poll returned.
func (l *EventLoop) maybeYield() {
	asked := l.yieldAsked && l.soleP
	l.yieldAsked = false
	if !asked && l.now.Sub(l.lastYield) < yieldEvery {
		return
	}
	runtime.Gosched()
	l.yieldCheck = asked
	l.lastYield = l.now
	l.yields++
	// GOMAXPROCS may change at run time (the runtime follows CPU limits);
	// checking it here, every few milliseconds, keeps its lock off the
	// per-iteration path.
	l.soleP = runtime.GOMAXPROCS(0) == 1
}

// recheckYield runs after the poll that follows a yield YieldBeforePoll
// asked for; that poll does not block. When it found nothing, the
// goroutine handed the work may not have run at all: a locked loop that
// yields waits in the global run queue, the scheduler takes that queue
// first on every 61st schedule, and then hands the P straight back to the
// loop, leaving the goroutine queued behind it. Had the loop then slept in
// the poller, the goroutine would have waited until sysmon took the P back
// from the sleeping loop: 1-15 ms, seen as a 2 ms p99 with a worker pool
// and GOMAXPROCS=1. So it yields once more before sleeping. When the
// goroutine did run and answer, the poll found its wake-up and nothing
// more is paid.
func (l *EventLoop) recheckYield(events int) {
	l.yieldCheck = false
	if events == 0 {
		runtime.Gosched()
		l.yields++
	}
}
