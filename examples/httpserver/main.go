// Command httpserver is muduo-go's HTTP/1.1 server with TechEmpower's
// plaintext and JSON tests and an echo endpoint. Its behaviour is a
// contract:
//
//		go run ./examples/httpserver -addr 127.0.0.1:8080 [-loops N]
//
//	  - GET and HEAD /plaintext: 200, Content-Type: text/plain, body exactly
//	    "Hello, World!" (HEAD: same headers, no body).
//	  - GET /json: 200, Content-Type: application/json, body
//	    {"message":"Hello, World!"}, encoded per request.
//	  - POST /echo: 200, the request body (Content-Length or chunked) sent
//	    back, with the request's Content-Type.
//	  - GET /ws/echo: a WebSocket (RFC 6455) endpoint that sends every text
//	    and binary message back unchanged; permessage-deflate (RFC 7692) is
//	    accepted when offered, and any Origin is.
//	  - Any other path: 404. A known path with another method: 405 with Allow.
//
// -loops 0 (the default) serves everything from the accepting loop, the
// fastest setup on one core. SIGINT or SIGTERM drains gracefully (10 s):
// the listener closes, requests in progress are answered with
// "Connection: close", and keep-alive connections idle between requests
// get "Connection: close" on their next response, or are closed once idle
// for -drain-idle (1 s). README_production.md has the rolling-restart
// sequence with -reuseport.
//
// Observability (on unless -debug=false), see debug.Mount (package http/debug):
//
//   - GET /healthz: 200 "ok\n"; 503 "draining\n" (with Connection: close)
//     once SIGINT/SIGTERM has started the drain.
//   - GET /debug/vars: expvar JSON with "muduo_http" (the server's
//     counters, shape documented at http.Vars), "goroutines", "gomaxprocs",
//     "rss_bytes", "memstats" and "cmdline".
//   - /debug/pprof/: net/http/pprof, e.g. go tool pprof
//     http://127.0.0.1:8080/debug/pprof/profile?seconds=10.
//   - GET /debug/status: a live HTML page of those numbers.
//
// The variables are published before the "listening" line is logged.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	httpdebug "github.com/seed08ffa9f8/muduo-go/http/debug"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 0, "IO loops (0: the accepting loop does IO)")
	reusePort := flag.Bool("reuseport", false, "set SO_REUSEPORT (several processes on one port)")
	drainIdle := flag.Duration("drain-idle", time.Second, "on SIGTERM, how long an idle keep-alive connection may still send a request")
	debug := flag.Bool("debug", true, "serve /healthz and /debug/{vars,pprof/,status} (see debug.go)")
	flag.Parse()

	// Catch the signals before announcing the address: a supervisor that
	// signals as soon as it reads the "listening" line must get a drain,
	// not the default action.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)

	rt := NewRouter()
	srv := http.NewServer(rt, http.WithLoops(*loops), http.WithReusePort(*reusePort), http.WithDrainIdleGrace(*drainIdle))
	if *debug {
		httpdebug.Mount(srv, rt, "")
	}
	if err := srv.Start(*addr); err != nil {
		slog.Error("httpserver: start", "err", err)
		os.Exit(1)
	}
	if *debug {
		publishVars(srv)
	}
	slog.Info("httpserver: listening", "addr", srv.Addr().String(), "loops", *loops)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		slog.Warn("httpserver: forced shutdown", "err", err)
	}
}
