package http

import (
	"context"
	"time"
)

// What a middleware needs to control a response it passed on: whether the
// handler detached it or sent its head, a way to replace or cut short what
// was not yet sent, and a deadline for a detached response.

// Detached reports whether the handler detached the response (Detach, or
// an adapted handler): it is then finished by its owner, not when the
// handler returns. On the worker pool (WithWorkers) it is false until the
// handler itself calls Detach: the pool finishes the response when the
// handler returns, as the loop does. Call it from the goroutine that called
// the handler.
func (w *ResponseWriter) Detached() bool { return w.detached && !w.poolOwned }

// HeaderSent reports whether the status and header fields have gone out (or
// are on their way, for a detached Flush): the status can no longer change.
func (w *ResponseWriter) HeaderSent() bool {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.headerSent || w.flushAsked || w.finished
	}
	return w.headerSent
}

// Reset drops the status and the body written so far, and the header
// fields that describe that body (Content-Type, Content-Length,
// Content-Encoding, Content-Range, Content-Disposition, ETag,
// Last-Modified), so the response can be made anew (a recovering
// middleware's 500); fields set for the exchange as a whole (a request
// ID, CORS, Vary, cookies) stay. It reports false, and changes nothing,
// once the head was sent. From the goroutine that owns w.
func (w *ResponseWriter) Reset() bool {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.finished || w.flushAsked {
			return false
		}
	}
	if w.headerSent {
		return false
	}
	for _, name := range bodyFields {
		w.header.Del(name)
	}
	w.dropFiles(ErrResponseAborted)
	w.body, w.written = w.body[:0], 0
	w.status, w.statusSet = StatusOK, false
	return true
}

// bodyFields are the header fields Reset drops with the body.
var bodyFields = [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
	"Content-Disposition", "Etag", "Last-Modified"}

// SetError records why the response did not end well, for
// ResponseInfo.Err (the first error recorded wins). From the goroutine
// that owns w.
func (w *ResponseWriter) SetError(err error) {
	if err != nil {
		w.setErr(err)
	}
}

// Abort ends the response short: nothing more of it is sent (not even the
// end of a chunked body), and the connection closes after what was sent,
// so the client sees the response cut off rather than complete. err is
// what ResponseInfo.Err reports (ErrResponseAborted when nil). For a
// detached response its owner still calls Finish. From the goroutine that
// owns w.
func (w *ResponseWriter) Abort(err error) {
	if err == nil {
		err = ErrResponseAborted
	}
	w.setErr(err)
	if w.detached {
		w.abort()
		return
	}
	w.aborted, w.keepAlive = true, false
}

// FinishTimeout bounds how long a detached response may take: if its owner
// has not finished it d from now, and none of it has been sent, the server
// answers the request with code in its place (a plain error response, and
// the connection closes after it) and the response counts as finished:
// the owner's later writes fail with ErrFinished, its Finish does nothing,
// and its hooks report code. A response whose head was already sent is
// left to its owner. Call it after Detach (a response whose handler
// returned without detaching is finished already); calling it again
// replaces the earlier bound.
//
// It is what net/http's TimeoutHandler does, without the race on the late
// writes: the writer's state decides, under its lock, which of the
// deadline and Finish came first.
func (w *ResponseWriter) FinishTimeout(d time.Duration, code int) {
	if !w.detached {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.finished {
		return
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timeoutCode = code
	w.timer = time.AfterFunc(d, w.timeout)
}

// timeout answers for a detached response whose FinishTimeout passed,
// unless it was finished or began meanwhile: decided at once, under mu (a
// Finish after this is a no-op, a write fails), and sent on the loop.
func (w *ResponseWriter) timeout() {
	w.mu.Lock()
	if w.finished || w.headerSent || w.flushAsked || w.hijack != nil {
		w.mu.Unlock()
		return
	}
	w.finished, w.timedOut = true, true
	w.status, w.statusSet = w.timeoutCode, true
	w.keepAlive = false
	w.mu.Unlock()
	c := w.c
	c.ls.loop.RunInLoop(func() { c.finishDetached(w) })
}

// SetContext replaces the context the handlers after this one see in
// Context (a middleware's deadline, say); the worker pool's clone and an
// adapted handler's request carry it. ctx must be derived from the
// request's own, so that it still ends when the client leaves.
func (r *Request) SetContext(ctx context.Context) {
	if ctx != nil {
		r.ctx = ctx
	}
}
