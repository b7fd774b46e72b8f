package http

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
)

// Detach takes the response out of the handler's hands so it can be
// finished later, from any goroutine: the handler returns at once (freeing
// the loop), and the goroutine it hands w to writes the body and calls
// Finish exactly once. Responses still leave in request order: a later
// pipelined request's response waits for this one.
//
// Call Detach inside ServeHTTP: on the loop, or on a worker of the pool
// (WithWorkers), where the pool would otherwise finish the response when
// the handler returns. The Request is not detached:
// copy what the goroutine needs (Clone, or the values) before returning.
// After Detach, Header, WriteHeader, Write, Flush and Finish may be called
// from the goroutine that owns w.
func (w *ResponseWriter) Detach() *ResponseWriter {
	if w.detached {
		// A handler on the worker pool keeps the response for itself:
		// the pool must not finish it when the handler returns.
		w.poolOwned = false
		return w
	}
	c := w.c
	if w.slot == nil {
		w.slot = c.newSlot()
	}
	w.snapshotRequest() // the request's views die when the handler returns
	w.detached = true
	c.inflight++
	// Whoever finishes the response is another goroutine: let it run
	// before the loop sleeps in the poller (see reactor.YieldBeforePoll).
	c.ls.loop.YieldBeforePoll()
	if c.ls.w == w {
		c.ls.w = nil // the loop needs a fresh writer for the next request
	}
	return w
}

// Flush sends the status, the headers and the body written so far, and
// switches the response to chunked transfer coding. Later writes go out as
// chunks on the next Flush or at Finish.
func (w *ResponseWriter) Flush() error { return w.flushUntil(nil) }

// flushUntil is Flush with a write deadline for a detached writer off the
// loop: when the client is so far behind that Flush has to wait for it past
// the deadline (dl nil or zero: no deadline; a deadline moved while Flush
// waits counts from then on), the connection is closed, as net/http does
// when a write times out, and the error wraps os.ErrDeadlineExceeded.
func (w *ResponseWriter) flushUntil(dl *deadline) error {
	if !w.detached {
		if w.finished {
			return ErrFinished
		}
		c := w.c
		if c.isClosed() {
			return ErrConnClosed
		}
		if w.slot == nil {
			c.ls.out = w.appendFlush(c.ls.out)
			c.flushBatch()
		} else {
			c.ls.tmp = w.appendFlush(c.ls.tmp[:0])
			c.slotWriteFinal(w.slot, c.ls.tmp)
		}
		return nil
	}
	w.mu.Lock()
	if w.finished {
		w.mu.Unlock()
		return ErrFinished
	}
	w.flushAsked = true // the head is on its way, whenever the loop builds it
	w.mu.Unlock()
	if w.c.isClosed() {
		return ErrConnClosed
	}
	loop := w.c.ls.loop
	if loop.InLoop() {
		w.flushOnLoop(nil)
		return nil
	}
	// Off the loop, Flush also waits while the client is behind, so a
	// handler streaming to a client that does not read is slowed to the
	// client's pace instead of queueing its whole output in memory.
	res := make(chan chan struct{}, 1)
	loop.RunInLoop(func() { w.flushOnLoop(res) })
	if drained := <-res; drained != nil {
		if err := waitDeadline(drained, nil, dl); err != nil {
			w.c.tc.ForceClose()
			err = fmt.Errorf("http: client too slow to take the response: %w", err)
			w.setErr(err)
			return err
		}
	}
	if w.c.isClosed() {
		return ErrConnClosed
	}
	return nil
}

// flushQueueLimit is how much output a detached writer may have queued for
// its client (socket buffer not counted) before Flush waits for it to drain.
const flushQueueLimit = 256 << 10

// flushOnLoop sends what a detached writer has for its client. With res,
// it answers with a channel to wait on when the client is behind (nil
// when not), closed once the output drains or the connection closes.
func (w *ResponseWriter) flushOnLoop(res chan<- chan struct{}) {
	c := w.c
	if c.isClosed() {
		if res != nil {
			res <- nil
		}
		return
	}
	w.mu.Lock()
	c.ls.tmp = w.appendFlush(c.ls.tmp[:0])
	w.mu.Unlock()
	c.slotWriteFinal(w.slot, c.ls.tmp)
	if res == nil {
		return
	}
	if c.tc.OutputBytes()+len(w.slot.buf) <= flushQueueLimit {
		res <- nil
		return
	}
	ch := make(chan struct{})
	r := c.rareState()
	r.drainWaiters = append(r.drainWaiters, ch)
	c.updateDrainCallback()
	res <- ch
}

// abort ends a detached response short: nothing more of it is sent (not
// even the last chunk of a streamed body), and the connection closes after
// what was sent, so the client sees it cut off rather than complete. For
// the net/http adapter's panics and short bodies.
func (w *ResponseWriter) abort() {
	w.mu.Lock()
	w.aborted = true
	w.keepAlive = false
	w.mu.Unlock()
}

// replaceUnsent swaps a detached response that has sent nothing yet for
// an error response with code, closing the connection after it. It
// reports false when part of the response is already out.
func (w *ResponseWriter) replaceUnsent(code int) bool {
	w.mu.Lock()
	if w.headerSent || w.flushAsked {
		w.mu.Unlock()
		return false
	}
	w.header.reset()
	w.dropFiles(ErrResponseAborted)
	w.body, w.written = w.body[:0], 0
	w.keepAlive = false
	w.mu.Unlock()
	// Nothing was flushed, so the loop does not read w until Finish: the
	// owner may fill it in without the lock held across.
	WriteError(w, code)
	return true
}

// writeInformational sends a complete 1xx response (head) ahead of the
// final one, in the response's place in the pipeline. Detached writers
// only (the net/http adapter).
func (w *ResponseWriter) writeInformational(head []byte) {
	c := w.c
	c.ls.loop.RunInLoop(func() {
		if !c.isClosed() && !w.slot.done {
			c.slotWrite(w.slot, head)
		}
	})
}

// bufferedLen returns how many body bytes wait for the next Flush.
func (w *ResponseWriter) bufferedLen() int {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	return len(w.body)
}

// Finish completes a detached response: what is not yet sent goes out on
// the connection's loop, in pipeline order, and the writer must not be
// used again. Calling it more than once has no further effect. Safe from
// the goroutine that owns the detached writer.
func (w *ResponseWriter) Finish() {
	if !w.detached {
		return // the server finishes a response whose handler returned
	}
	c := w.c
	w.mu.Lock()
	if w.finished {
		w.mu.Unlock()
		return
	}
	w.finished = true
	w.mu.Unlock()
	w.removeTempFiles() // here, not on the loop: unlinking is file system work
	c.ls.loop.RunInLoop(func() { c.finishDetached(w) })
}

func (c *conn) finishDetached(w *ResponseWriter) {
	c.inflight--
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop() // FinishTimeout's: the response is finished
	}
	w.mu.Unlock()
	if c.rare != nil && c.rare.waitSlot == w.slot {
		c.rare.waitSlot = nil
	}
	if c.isClosed() {
		w.mu.Lock()
		w.releaseEncoder()
		w.dropFiles(ErrConnClosed)
		w.mu.Unlock()
		c.runHooks(w)
		return
	}
	if w.hijack != nil { // set before Finish, under mu: visible here
		c.finishHijack(w)
	} else {
		w.mu.Lock()
		if w.timedOut {
			// FinishTimeout's answer; the owner may still be writing
			// into w, which is not sent.
			c.ls.tmp = appendStatusResponse(c.ls.tmp[:0], c.ls, w.status, "the handler did not finish in time")
			w.releaseEncoder()
			w.written = bodyLen(c.ls.tmp)
			w.dropFiles(ErrResponseAborted)
		} else {
			c.ls.tmp = w.appendFinal(c.ls.tmp[:0])
		}
		if len(w.files) > 0 {
			c.emitWithFiles(w.slot, w, c.ls.tmp, w.bodyAt)
		} else {
			c.slotWriteFinal(w.slot, c.ls.tmp)
		}
		w.mu.Unlock()
		if !w.keepAlive {
			// Nothing may follow a response that says Connection: close
			// (RFC 9112 9.6): the responses to requests pipelined after
			// it are dropped. Detached writers still holding one of
			// those slots finish into an orphan that is never sent.
			c.closeAfter = true
			releaseSlotFiles(w.slot.next)
			for o := w.slot.next; o != nil; o = o.next {
				c.slots--
			}
			w.slot.next, c.tail = nil, w.slot
		}
		c.slotDone(w.slot)
		c.ls.stats.countStatus(w.status)
	}
	c.runHooks(w)
	if c.rare != nil && c.rare.switchTo != nil {
		c.switchProtocols(c.tc.Input()) // this or a later response hijacked
		return
	}
	if w.hijack != nil {
		return // handed over once the responses before it have gone
	}
	c.maybeClose()
	if c.paused {
		c.resume()
	} else if !c.closeAfter && c.inflight == 0 && c.phase == phaseHead && c.tc.Input().ReadableBytes() == 0 {
		c.setDeadline(dlIdle)
	}
}

// callHandler runs the handler on the loop. A panicking handler is logged
// with its stack; its client gets a 500 if nothing was sent yet, and the
// connection closes, but the server and every other connection go on.
func (c *conn) callHandler(w *ResponseWriter, r *Request) {
	defer func() {
		if p := recover(); p != nil {
			c.handlerPanicked(w, p)
		}
	}()
	c.h.ServeHTTP(w, r)
}

func (c *conn) handlerPanicked(w *ResponseWriter, p any) {
	c.ls.srv.opts.logger.Error("http: handler panic", "conn", c.tc.Name(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	w.setErr(panicError(p))
	w.releaseEncoder() // nothing more is encoded: the response is cut short or replaced
	if w.detached {
		// The response may or may not have been handed to a goroutine that
		// will finish it; if not, its slot would wait forever. A panic
		// leaves the connection's state in doubt anyway: end it.
		c.closeAfter = true
		c.tc.ForceClose()
		return
	}
	if w.headerSent {
		// Part of the response is out: end it short, without the last
		// chunk, so the client sees it incomplete; then close.
		w.body, w.chunked, w.keepAlive = w.body[:0], false, false
		return
	}
	w.header.reset()
	w.dropFiles(ErrHandlerPanic)
	w.body, w.written = w.body[:0], 0
	w.status = StatusInternalServerError
	w.keepAlive = false
	WriteError(w, StatusInternalServerError)
}

// dispatch runs the handler on the worker pool: the request is cloned (the
// loop reuses the original's bytes), the writer detached, and Finish called
// when the handler returns. A full queue is answered 503 on the loop.
func (c *conn) dispatch(w *ResponseWriter, r *Request) {
	ctx := c.context()
	clone := r.Clone()
	clone.body = append([]byte(nil), r.body...)
	clone.hc = c
	clone.ctx = ctx
	h := c.h
	w.req = nil // nothing to snapshot: the clone below stays readable
	w.Detach()
	w.req = clone // the worker's copy stays readable until the hooks ran
	w.poolOwned = true
	ok := c.ls.srv.workers.submit(func() {
		defer func() {
			if p := recover(); p != nil {
				c.ls.srv.opts.logger.Error("http: handler panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				// Under the writer's mu: a Flush queued on the loop may still be
				// reading the writer.
				w.mu.Lock()
				if w.err == nil {
					w.err = panicError(p)
				}
				w.releaseEncoder()
				if w.headerSent {
					// End it short, without the last chunk.
					w.body, w.chunked = w.body[:0], false
				} else {
					w.header.reset()
					w.dropFiles(ErrHandlerPanic)
					w.body, w.written = w.body[:0], 0
					w.status = StatusInternalServerError
				}
				w.keepAlive = false
				w.mu.Unlock()
			} else if !w.poolOwned {
				return // the handler detached it: its goroutine finishes it
			}
			w.Finish()
		}()
		h.ServeHTTP(w, clone)
	})
	if !ok {
		w.header.reset()
		w.dropFiles(ErrConnClosed)
		w.body = w.body[:0]
		WriteError(w, StatusServiceUnavailable)
		w.Finish()
	}
}

// workerPool is a fixed set of goroutines fed by a bounded queue.
type workerPool struct {
	jobs chan func()
	wg   sync.WaitGroup
	once sync.Once
}

func newWorkerPool(n, queue int, logger *slog.Logger) *workerPool {
	if queue <= 0 {
		queue = 16 * n
	}
	p := &workerPool{jobs: make(chan func(), queue)}
	_ = logger
	p.wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer p.wg.Done()
			for f := range p.jobs {
				f()
			}
		}()
	}
	return p
}

// submit queues f; false when the queue is full.
func (p *workerPool) submit(f func()) bool {
	select {
	case p.jobs <- f:
		return true
	default:
		return false
	}
}

func (p *workerPool) stop() {
	p.once.Do(func() {
		close(p.jobs)
		p.wg.Wait()
	})
}
