package http

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"
)

// Errors a ResponseInfo reports for a response that did not end well.
var (
	// ErrHandlerPanic: the handler panicked (wrapped with the panic value).
	// The client got a 500 if nothing of the response had been sent, a
	// response cut short otherwise.
	ErrHandlerPanic = errors.New("http: handler panicked")
	// ErrResponseAborted: the response was cut short on purpose (an
	// adapted handler wrote less than its Content-Length, or panicked
	// with http.ErrAbortHandler); the connection closed after it.
	ErrResponseAborted = errors.New("http: response cut short")
)

// ResponseInfo describes a finished response to the hooks registered with
// WithResponseHook and ResponseWriter.OnFinish.
//
// Hooks run on the connection's event loop, once per response, at the
// moment the server completes the response: its last bytes are handed to
// the connection (or dropped, when the client is gone). For a handler that
// returns without Detach that is right after ServeHTTP returns; for a
// detached, worker-pool or adapted (Adapt) response, when its Finish
// reaches the loop; for a response the server makes itself (400, 408, 413,
// 431... for requests it refuses, 503 when the worker queue is full), when
// it is queued. Like a handler, a hook must not block the loop. A hook
// that panics is logged; the server goes on.
//
// The ResponseInfo and the slices it holds are valid only during the call:
// the server reuses them.
type ResponseInfo struct {
	// Status is the status code of the response the client was sent (for
	// a handler panic with nothing sent yet, 500). 0 when the server sent
	// no status line: a hijacked connection the handler did not mark
	// otherwise, or a response cut off before its head.
	Status int
	// Written is the number of body bytes of the response (0 for HEAD,
	// 1xx, 204 and 304, whatever the handler wrote); for a body a
	// ContentEncoder encoded, the encoded bytes sent.
	Written int64
	// Duration runs from the start of the event-loop iteration that called
	// the handler (or, for a response the server makes itself, that found
	// the request bad) to the hook.
	Duration time.Duration
	// Finished is when the response was finished: the clock reading
	// Duration ends at, for a hook that wants the time (an access log's
	// line) without reading the clock again.
	Finished time.Time
	// Err is nil for a response sent whole, else why not: ErrConnClosed
	// (the client went away first), an error wrapping
	// os.ErrDeadlineExceeded (a write deadline passed, see Adapt),
	// ErrHandlerPanic (wrapped), ErrResponseAborted. It says what the
	// server knew when the response was finished: a response queued whole
	// whose client then leaves is not reported again.
	Err error
	// Hijacked reports a connection handed over by Hijack; Status is then
	// 101 for an Upgrade request, otherwise the status the handler set.
	Hijacked bool

	// Method and Target are the request's (Target as sent: path and
	// query). Empty for a request the server could not parse, and for a
	// detached response when no hook was registered by the time of
	// Detach (capture them before detaching).
	Method string
	Target []byte
	// RemoteAddr is the client's address as handlers saw it (see
	// Request.SetRemoteAddr).
	RemoteAddr netip.AddrPort

	// Request is the request, still fully readable (headers, values), for
	// a response whose handler returned without Detach and for a response
	// made on the worker pool; nil otherwise (its bytes are gone by the
	// time a detached response is finished).
	Request *Request
	// Writer is the finished response's writer: its Header may be read
	// (it is not used again until the hooks return). Nil for a response
	// the server made itself for a request it refused.
	Writer *ResponseWriter
}

// WithResponseHook registers f to be called for every response the server
// finishes, including the ones it makes itself (see ResponseInfo for when
// and where it runs). Hooks registered this way run after the response's
// own (OnFinish), in the order given. A server without hooks pays nothing
// for them; one with hooks allocates nothing per response for them.
func WithResponseHook(f func(info *ResponseInfo)) Option {
	return func(o *options) {
		if f != nil {
			o.responseHooks = append(o.responseHooks, f)
		}
	}
}

// OnFinish registers f to run once when this response is finished (see
// ResponseInfo): the way a middleware learns the final status, size,
// duration and error of the response to the request it passed on, whether
// the handler answers inline, detaches, runs on the worker pool or is an
// adapted net/http handler. Hooks run in the reverse order of their
// registration, like deferred calls (the outermost middleware's last), and
// before the server's (WithResponseHook).
//
// Call it from the goroutine that owns w (the handler, or after Detach the
// goroutine it was handed to) before the response is finished; later calls
// are ignored. Two hooks per response are stored without allocating; a
// function value that captures nothing, or is made once per middleware
// rather than per request, allocates nothing either.
func (w *ResponseWriter) OnFinish(f func(info *ResponseInfo)) {
	if w.detached {
		w.mu.Lock() // against FinishTimeout finishing it on the loop
		defer w.mu.Unlock()
	}
	if f == nil || w.finished || w.hooked {
		return
	}
	if int(w.nhooks) < len(w.hooks) {
		w.hooks[w.nhooks] = f
		w.nhooks++
		return
	}
	w.moreHooks = append(w.moreHooks, f)
}

// wantsHooks reports whether anything is registered for w's finish.
func (w *ResponseWriter) wantsHooks() bool {
	return w.nhooks != 0 || len(w.c.ls.srv.opts.responseHooks) != 0
}

// setErr records why the response did not end well (the first reason
// wins). From the goroutine that owns w.
func (w *ResponseWriter) setErr(err error) {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	if w.err == nil {
		w.err = err
	}
}

// snapshotRequest keeps what the hooks report of the request when its
// views are about to die (Detach), if anybody will want it.
func (w *ResponseWriter) snapshotRequest() {
	r := w.req
	w.req = nil
	if r == nil || !w.wantsHooks() {
		return
	}
	if r.methodID != mUnknown {
		w.method = r.Method()
	} else {
		w.method = strings.Clone(r.Method())
	}
	w.target = append(w.target[:0], r.Target()...)
	w.remote = r.RemoteAddr()
	w.snapped = true
}

// panicError is the ResponseInfo.Err of a handler panic.
func panicError(p any) error { return fmt.Errorf("%w: %v", ErrHandlerPanic, p) }

// runHooks runs the response's hooks and the server's, once. Loop only,
// after the response's bytes were handed to the connection (or dropped).
func (c *conn) runHooks(w *ResponseWriter) {
	srv := c.ls.srv
	if w.detached {
		// Against an owner still writing into a response FinishTimeout
		// finished: after hooked is set it registers nothing more.
		w.mu.Lock()
	}
	if w.hooked || (w.nhooks == 0 && len(srv.opts.responseHooks) == 0) {
		if w.detached {
			w.mu.Unlock()
		}
		return
	}
	w.hooked = true
	info := &w.info
	*info = ResponseInfo{Status: w.status, Err: w.err, Writer: w, Request: w.req}
	switch {
	case w.timedOut:
		// The owner may still use w: only what the server sent is
		// reported (written: set by finishDetached).
		info.Writer = nil
		info.Written = w.written
	case !w.isHead && bodyAllowed(w.status) && !w.aborted:
		info.Written = w.written
	}
	aborted := w.aborted
	if w.detached {
		w.mu.Unlock()
	}
	if w.hijack != nil {
		info.Hijacked, info.Written = true, 0
		if w.upgrade {
			info.Status = 101
		}
	}
	if info.Err == nil {
		switch {
		case c.isClosed():
			info.Err = ErrConnClosed
		case aborted:
			info.Err = ErrResponseAborted
		}
	}
	if r := w.req; r != nil {
		info.Method, info.Target, info.RemoteAddr = r.Method(), r.Target(), r.RemoteAddr()
	} else if w.snapped {
		info.Method, info.Target, info.RemoteAddr = w.method, w.target, w.remote
	} else {
		info.RemoteAddr = c.tc.PeerAddr()
	}
	info.Finished = time.Now()
	info.Duration = info.Finished.Sub(w.start)
	c.callHooks(info, w)
	w.hooks = [len(w.hooks)]func(*ResponseInfo){}
	clear(w.moreHooks)
	w.moreHooks = w.moreHooks[:0]
	w.nhooks = 0
	*info = ResponseInfo{}
}

func (c *conn) callHooks(info *ResponseInfo, w *ResponseWriter) {
	defer func() {
		if p := recover(); p != nil {
			c.ls.srv.opts.logger.Error("http: response hook panic", "conn", c.tc.Name(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if w != nil {
		for i := len(w.moreHooks) - 1; i >= 0; i-- {
			w.moreHooks[i](info)
		}
		for i := int(w.nhooks) - 1; i >= 0; i-- {
			w.hooks[i](info)
		}
	}
	for _, f := range c.ls.srv.opts.responseHooks {
		f(info)
	}
}

// serverResponded runs the server's hooks for a response the server made
// itself (resp: the whole response) to a request it refused. Loop only.
func (c *conn) serverResponded(status int, resp []byte) {
	ls := c.ls
	if len(ls.srv.opts.responseHooks) == 0 {
		return
	}
	info := &ls.info
	now := time.Now()
	*info = ResponseInfo{Status: status, RemoteAddr: c.tc.PeerAddr(), Duration: now.Sub(ls.loop.Now()), Finished: now}
	info.Written = bodyLen(resp)
	if c.isClosed() {
		info.Err = ErrConnClosed
	}
	c.callHooks(info, nil)
	*info = ResponseInfo{}
}

// bodyLen returns the length of the body of resp, a whole response the
// server made.
func bodyLen(resp []byte) int64 {
	for i := 0; i+3 < len(resp); i++ {
		if resp[i] == '\r' && resp[i+1] == '\n' && resp[i+2] == '\r' && resp[i+3] == '\n' {
			return int64(len(resp) - i - 4)
		}
	}
	return 0
}
