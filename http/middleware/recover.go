package middleware

import (
	"context"
	"fmt"
	"log/slog"
	stdhttp "net/http"
	"runtime/debug"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Recover turns a panic in the handlers after it into a 500, logging the
// panic value and the stack to logger (nil: slog.Default()) at Error level
// with the request's method, path and peer.
//
//   - Nothing of the response sent yet: what the handler wrote is dropped
//     and the client gets a 500 Internal Server Error; the connection stays
//     open (the server's own panic handling, without Recover, closes it).
//   - The head already sent (the handler flushed): the response is cut
//     short (http.ResponseWriter.Abort) so the client sees it incomplete,
//     and the connection closes.
//   - A panic with net/http's http.ErrAbortHandler is the handler's way to
//     abort: the response is cut short, nothing is logged.
//
// Response hooks report the panic in ResponseInfo.Err (wrapping
// http.ErrHandlerPanic). It costs one deferred call per request.
//
// A panic after the handler detached the response is passed on to the
// server, which logs it and closes the connection: the detached response
// may be in another goroutine's hands. Panics on other goroutines can not be recovered by
// a middleware: for a
// handler that detaches and finishes on a goroutine of its own, defer
// RecoverDetached there. The worker pool (http.WithWorkers) and
// http.Adapt run handlers in goroutines of their own: on the pool Recover
// runs inside that goroutine and works as on the loop; an adapted net/http
// handler's panics are handled by the adapter (500, or the response cut
// short).
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if w.Detached() {
						// The handler detached the response, maybe handing
						// it to a goroutine that is using it: only the
						// server can end it safely (the worker pool
						// answers 500, the loop closes the connection).
						panic(p)
					}
					recovered(logger, w, r, p)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// recovered answers for a handler that panicked with p.
func recovered(logger *slog.Logger, w *http.ResponseWriter, r *http.Request, p any) {
	if p == stdhttp.ErrAbortHandler {
		w.Abort(http.ErrResponseAborted)
		return
	}
	err := fmt.Errorf("%w: %v", http.ErrHandlerPanic, p)
	if r != nil {
		logger.LogAttrs(context.Background(), slog.LevelError, "http: handler panic",
			slog.String("method", r.Method()), slog.String("path", string(r.Target())),
			slog.String("peer", r.RemoteAddr().String()), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	} else {
		logger.LogAttrs(context.Background(), slog.LevelError, "http: handler panic",
			slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	}
	if w.Reset() {
		w.SetError(err)
		http.WriteError(w, http.StatusInternalServerError)
		return
	}
	w.Abort(err)
}

// RecoverDetached recovers a panic on the goroutine that owns a detached
// response and finishes the response as Recover would (500 if nothing was
// sent, cut short otherwise): defer it first thing in that goroutine,
//
//	d := w.Detach()
//	go func() {
//		defer middleware.RecoverDetached(d, logger)
//		... d.Finish()
//	}()
//
// It must be the deferred function itself (recover works only there). A
// goroutine that returns without panicking is left alone: it finishes its
// response itself.
func RecoverDetached(w *http.ResponseWriter, logger *slog.Logger) {
	p := recover()
	if p == nil {
		return
	}
	if logger == nil {
		logger = slog.Default()
	}
	recovered(logger, w, nil, p)
	w.Finish()
}
