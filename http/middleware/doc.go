// Package middleware holds the standard middleware for muduo-go's HTTP
// server: access log, panic recovery, request ID, CORS, a deadline for
// detached handlers, the real client address behind trusted proxies, and
// response compression (Compress: zstd, gzip, deflate).
//
// Each is a plain func(http.Handler) http.Handler (constructors take
// options). Install them with the Router's Use (or Group, With) or with the
// server option http.WithMiddleware:
//
//	logger := slog.New(middleware.NewTextHandler(os.Stderr, nil))
//	rt := http.NewRouter()
//	rt.Use(middleware.RequestID(), middleware.AccessLog(logger), middleware.Recover(logger))
//	rt.GET("/users/{id}", user)
//	srv := http.NewServer(rt)
//
// They keep what the native path gives: none buffers or copies the
// response, and what they learn of the final response (status, size,
// duration, error) comes from the server's response-finished hook
// (ResponseWriter.OnFinish), so it is exact for inline, detached,
// worker-pool and adapted (http.Adapt) handlers alike. Recover, and an
// AccessLog whose level is disabled, allocate nothing per request; each
// constructor's documentation says what the others cost. NewTextHandler
// is slog's text format at a fraction of the cost for access-log lines,
// which AccessLog hands it without a slog.Record (0 allocs): with slog's
// own TextHandler the line is most of what the middleware costs. For the
// responses the server makes itself before any handler runs (400, 408,
// 413, 431), use AccessLogHook with http.WithResponseHook instead of
// AccessLog.
//
// Installed that way they keep streaming request bodies
// (http.StreamingHandler, http.Adapt) and early refusal (http.Refuser): the
// server reads those from the route's own handler and runs the chain around
// it. Wrapped by hand around a Router or a handler (mw(rt) passed to
// NewServer), they hide those interfaces, as any wrapper does, and the
// server then reads the body whole before calling the chain (see
// http.Middleware).
//
// Order matters as it does with any middleware stack: RealIP before
// anything that logs or limits by address; RequestID before AccessLog so
// the log line carries the ID; Recover innermost of the three, so the 500
// it writes is what the access log reports. Compress may go anywhere: it
// only installs an encoder that the server applies when it sends the
// body, so the access log's byte count is the compressed one wherever it
// sits.
package middleware
