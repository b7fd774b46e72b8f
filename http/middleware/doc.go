// Package middleware holds the standard middleware for muduo-go's HTTP
// server: access log, panic recovery, request ID, CORS, a deadline for
// detached handlers and the real client address behind trusted proxies.
//
// Each is a plain func(http.Handler) http.Handler (constructors take
// options), composed by hand or by a router's Use:
//
//	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
//	h := middleware.RequestID()(middleware.AccessLog(logger)(middleware.Recover(logger)(mux)))
//	srv := http.NewServer(h)
//
// They keep what the native path gives: none buffers or copies the
// response, and what they learn of the final response (status, size,
// duration, error) comes from the server's response-finished hook
// (ResponseWriter.OnFinish), so it is exact for inline, detached,
// worker-pool and adapted (http.Adapt) handlers alike. On the fast path
// (a handler answering on the loop) they allocate nothing of their own,
// except where noted.
//
// Order matters as it does with any middleware stack: RealIP before
// anything that logs or limits by address; RequestID before AccessLog so
// the log line carries the ID; Recover innermost of the three, so the 500
// it writes is what the access log reports.
package middleware
