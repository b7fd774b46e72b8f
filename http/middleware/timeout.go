package middleware

import (
	"context"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Timeout bounds the time a request may take, for handlers that detach
// (or run on the worker pool) to wait on something: the request's Context
// gets a deadline d from now, and if the response is not finished by then,
// and none of it has been sent, the client gets 503 Service Unavailable in
// its place (and the connection closes), as net/http's TimeoutHandler
// does. The handler's late writes then fail with http.ErrFinished and its
// Finish does nothing: the server decides under the writer's lock which
// came first, so there is no race between the deadline and a late Finish.
// A response whose head was sent before the deadline (a stream) is left
// to the handler, which should watch the context.
//
// A handler that answers on the loop without detaching is not interrupted
// (it can not block the loop for long anyway); it only gets the context.
// Costs a context and a timer per request.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			deadline := time.Now().Add(d)
			ctx, cancel := context.WithDeadline(r.Context(), deadline)
			r.SetContext(ctx)
			// On the worker pool the response is already detached: bound
			// it now, since the handler blocks its worker until it returns.
			w.FinishTimeout(d, http.StatusServiceUnavailable)
			w.OnFinish(func(*http.ResponseInfo) { cancel() })
			next.ServeHTTP(w, r)
			if w.Detached() {
				w.FinishTimeout(time.Until(deadline), http.StatusServiceUnavailable)
			}
		})
	}
}
