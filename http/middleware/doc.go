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
// worker-pool and adapted (http.Adapt) handlers alike. Recover, and an
// AccessLog whose level is disabled, allocate nothing per request; each
// constructor's documentation says what the others cost. For the
// responses the server makes itself before any handler runs (400, 408,
// 413, 431), use AccessLogHook with http.WithResponseHook instead of
// AccessLog.
//
// They are plain wrappers: wrapped around a handler that streams request
// bodies (http.StreamingHandler, http.Adapt) or refuses requests from the
// head (http.Refuser), they hide those interfaces, as any wrapper does, and
// the server then reads the body whole before calling the chain (see the
// Router's documentation for how its middleware composition keeps them).
//
// Order matters as it does with any middleware stack: RealIP before
// anything that logs or limits by address; RequestID before AccessLog so
// the log line carries the ID; Recover innermost of the three, so the 500
// it writes is what the access log reports.
package middleware
