package http

import (
	"bytes"
	"io"
)

// Middleware wraps a Handler in another (chi's style): it may act before
// and after calling next, answer instead of it, or set things on the
// Request (SetPathValue) and the ResponseWriter's header.
//
//	func logStatus(next http.Handler) http.Handler {
//		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
//			next.ServeHTTP(w, r)
//			log.Print(r.PathString(), " ", w.Status())
//		})
//	}
//
// Add middleware with Router.Use, Router.Group, Router.With or the
// server's WithMiddleware, not by wrapping the Router by hand. The server
// decides a request's fate at head time, before any handler runs: whether
// its body is streamed to the handler as it arrives (StreamingHandler, as
// Adapt's handlers are), whether it is refused before its body is sent
// (Refuser: the Router's 404 and 405, a Refuser route), whether it runs on
// the worker pool. It reads those from the handler as registered on the
// Router, and then runs the chain. So a chain keeps every fast path, as
// long as each middleware passes (w, r) on to next and returns when next
// does not need it any more:
//
//   - a streamed body reaches the handler through r.BodyReader(), so it
//     passes through any chain untouched;
//   - w is the one *ResponseWriter of the request: Detach, Finish, Flush
//     and Hijack work from inside a chain. After next returns, w.Status()
//     is the status of a response the handler finished before returning;
//     a detached response (an adapted handler, Detach) is finished later,
//     on another goroutine, so its status is not known yet.
//
// A Handler that wraps the Router by hand (NewServer(myWrapper{rt})) is
// opaque to the server: it sees one handler that is neither a Router nor a
// StreamingHandler nor a Refuser, so every request's body is read whole
// before the wrapper runs (adapted handlers get it buffered, not streamed),
// Expect: 100-continue is always answered 100 and a body to a 404 or 405
// route is read in full instead of refused, and the routing is done inside
// ServeHTTP. Use WithMiddleware for a wrapper around everything.
type Middleware func(Handler) Handler

// compose wraps h in mws, the first outermost.
func compose(mws []Middleware, h Handler) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// WithMiddleware wraps every request's handler in mw, the first outermost:
// around the Router (and its answers without a route: 404, 405, redirects)
// or the server's handler, while the server reads the capabilities of the
// routed handler as it does without middleware (see Middleware).
func WithMiddleware(mw ...Middleware) Option {
	return func(o *options) { o.middleware = append(o.middleware, mw...) }
}

// routed runs the handler the request was routed to: the innermost link of
// the server's WithMiddleware chain.
type routed struct{}

func (routed) ServeHTTP(w *ResponseWriter, r *Request) { r.routed.ServeHTTP(w, r) }

// BodyReader returns the request body as a reader. When the server streams
// it (the routed handler is a StreamingHandler, such as Adapt's) it is the
// body as it arrives, read from another goroutine after Detach, with
// Expect: 100-continue answered on the first Read; otherwise it reads the
// complete Body. Reading it is the way a streamed body reaches a handler
// through any middleware chain. Closing it discards the rest.
func (r *Request) BodyReader() io.ReadCloser {
	if r.stream != nil {
		return r.stream
	}
	return io.NopCloser(bytes.NewReader(r.body))
}

// Streamed reports whether the body is being streamed: Body is nil and
// BodyReader delivers it as it arrives.
func (r *Request) Streamed() bool { return r.stream != nil }
