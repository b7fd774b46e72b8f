package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/middleware"
)

// withAccessLog puts the access log and panic recovery in front of h:
//
//   - "" (the default): h as it is;
//   - "stderr" (what -v selects): one slog text line per response on
//     standard error, e.g.
//     time=... level=INFO msg=http method=GET path=/json status=200 bytes=27 duration=41.2µs peer=127.0.0.1:50312 request_id=
//     logged from the server's response hook (middleware.AccessLogHook),
//     so the responses the server makes itself (400 for a malformed
//     request, 408, 413, 431) have their line too;
//   - "discard": the access-log middleware (middleware.AccessLog) with
//     its lines formatted and thrown away (io.Discard), to measure what
//     the middleware costs (benchmarks/cmd/runner's muduo-go-mw target);
//   - "discard-slog": the same with slog's own TextHandler, which formats
//     the same lines through slog.Record (muduo-go-mw-slog);
//   - "disabled": the same middleware with the log's level set above Info,
//     so no line is made: the cost of the chain itself (muduo-go-mw0).
//
// The lines are slog's text format, written by middleware.TextHandler,
// which the access log hands its fields directly.
//
// It returns the handler and the server options to use; the middleware
// goes in through http.WithMiddleware, which keeps the route's streaming
// and early refusal.
func withAccessLog(h http.Handler, mode string) (http.Handler, []http.Option, error) {
	var out io.Writer
	level := slog.LevelInfo
	switch mode {
	case "":
		return h, nil, nil
	case "stderr":
		logger := slog.New(middleware.NewTextHandler(os.Stderr, nil))
		return h, []http.Option{
			http.WithMiddleware(middleware.Recover(slog.Default())),
			http.WithResponseHook(middleware.AccessLogHook(logger)),
		}, nil
	case "discard", "discard-slog":
		out = io.Discard
	case "disabled":
		out, level = io.Discard, slog.LevelError+1
	default:
		return nil, nil, fmt.Errorf("-access-log %q: want stderr, discard, discard-slog or disabled", mode)
	}
	var handler slog.Handler = middleware.NewTextHandler(out, &slog.HandlerOptions{Level: level})
	if mode == "discard-slog" {
		handler = slog.NewTextHandler(out, &slog.HandlerOptions{Level: level})
	}
	logger := slog.New(handler)
	// Through WithMiddleware, not by wrapping h: the server then still sees
	// the route's own handler (streaming bodies, early refusal).
	return h, []http.Option{http.WithMiddleware(middleware.AccessLog(logger), middleware.Recover(slog.Default()))}, nil
}
