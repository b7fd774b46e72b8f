package main

import (
	"log/slog"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// VarsName is the expvar name under which the server's counters appear in
// /debug/vars.
const VarsName = "muduo_http"

// publishVars publishes the server's counters and the runtime variables
// (goroutines, RSS...) for /debug/vars; once per process.
func publishVars(srv *http.Server) {
	http.PublishRuntimeExpvar()
	if err := srv.PublishExpvar(VarsName); err != nil {
		slog.Warn("httpserver: expvar", "err", err)
	}
}
