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
//	  - GET /users/{id}: 200 {"id":"<id>"}; GET /users/{id}/files/{path...}:
//	    200 {"id":"..","path":".."} (path is the rest, slashes included).
//	    Values are decoded as net/http's ServeMux decodes them (%2F stays a
//	    slash inside the value); paths ServeMux would clean get its 307
//	    redirect. Both application/json.
//	  - GET /search?q=..&tag=a&tag=b: 200 {"q":"..","tags":["a","b"]} (the
//	    query decoded; "" and [] when absent).
//	  - POST /form, application/x-www-form-urlencoded or multipart/form-data:
//	    200 with an object of its fields (a field sent more than once is an
//	    array), each file part as {"filename":..,"size":N}; a malformed
//	    form 400, one over the limits 413, another Content-Type 415.
//	  - POST /users with JSON {"name":string,"age":int}: 201 with the object
//	    echoed; 400 for bad JSON or a missing member, 415 for a Content-Type
//	    that is not JSON.
//	  - GET /cookies: 200 with the request's cookies as an object, and
//	    Set-Cookie: visited=1; Path=/; HttpOnly.
//	  - The responses of those four are application/json, errors included:
//	    {"error":"<reason>"}.
//	  - GET /ws/echo: a WebSocket (RFC 6455) endpoint that sends every text
//	    and binary message back unchanged; permessage-deflate (RFC 7692) is
//	    accepted when offered, and any Origin is.
//	  - GET and HEAD /static/...: the files of -static DIR (default: the
//	    example's own index.html, style.css and a 1 MiB data.bin), served as
//	    net/http's FileServer serves them (Range, conditional requests,
//	    ETag, index.html, 404 for anything outside DIR; see package
//	    http/fileserver), bodies by sendfile(2); /static redirects to
//	    /static/. The default text files are sent gzip- or
//	    zstd-compressed to clients that accept it (precompressed .gz and
//	    .zst siblings), with Vary: Accept-Encoding.
//	  - Any other path: 404. A known path with another method: 405 with Allow.
//	  - Compression: a response of a text type (text/*, JSON, JavaScript,
//	    XML, SVG...; see middleware.Compress) to a request whose
//	    Accept-Encoding allows zstd, gzip or deflate is sent compressed,
//	    whatever its size (/json's and /plaintext's included), with the
//	    coding the client's q-values prefer (ties: zstd, then gzip, then
//	    deflate), Content-Encoding and Vary: Accept-Encoding; a streamed
//	    one chunk by chunk. A request without Accept-Encoding gets exactly
//	    the bytes above; a HEAD, 204 or 304 response is never encoded.
//
// -loops 0 (the default) serves everything from the accepting loop, the
// fastest setup on one core. SIGINT or SIGTERM drains gracefully (10 s):
// the listener closes, requests in progress are answered with
// "Connection: close", and keep-alive connections idle between requests
// get "Connection: close" on their next response, or are closed once idle
// for -drain-idle (1 s). It logs "httpserver: draining" with the signal
// and the number of open connections when the drain starts, and
// "httpserver: drained" with how long it took when it is done (or a
// warning with how many connections the timeout closed).
// docs/production.md has the rolling-restart sequence with -reuseport.
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
//
// TLS: -tls-cert FILE -tls-key FILE serves HTTPS instead of HTTP, with
// crypto/tls on the event loops (TLS 1.2 and 1.3, ALPN http/1.1, session
// tickets); the same endpoints, and a plain HTTP request gets net/http's
// 400 "Client sent an HTTP request to an HTTPS server.". SIGHUP re-reads
// the two files (logging "httpserver: certificate reloaded" with the new
// SHA-256 fingerprint, or a warning and the old certificate kept on an
// error); handshakes from then on use the new pair, with no restart.
// -tls-self-signed instead makes an ephemeral ECDSA P-256 certificate for
// localhost, 127.0.0.1 and ::1 and logs its SHA-256 fingerprint, for
// trying it out:
//
//	go run ./examples/httpserver -tls-self-signed -addr 127.0.0.1:8443
//	curl -k https://127.0.0.1:8443/plaintext
//
// -v logs one access-log line per response to standard error (slog text:
// method, path, status, bytes, duration, peer, request_id; see package
// http/middleware), the server's own 400/408/413/431 included, with panic
// recovery in front of the routes.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	httpdebug "github.com/seed08ffa9f8/muduo-go/http/debug"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 0, "IO loops (0: the accepting loop does IO)")
	reusePort := flag.Bool("reuseport", false, "set SO_REUSEPORT (several processes on one port)")
	drainIdle := flag.Duration("drain-idle", time.Second, "on SIGTERM, how long an idle keep-alive connection may still send a request")
	debug := flag.Bool("debug", true, "serve /healthz and /debug/{vars,pprof/,status} (see debug.go)")
	verbose := flag.Bool("v", false, "log one access-log line per response to stderr (-access-log stderr)")
	static := flag.String("static", "", "directory served under /static/ (default: the example's index.html, style.css and 1 MiB data.bin)")
	accessLog := flag.String("access-log", "", "access log with panic recovery: stderr, or for benchmarks discard (formatted, not written), discard-slog (the same through slog's TextHandler) or disabled (no line made)")
	tlsf := tlscert.AddFlags(flag.CommandLine, "HTTPS")
	flag.Parse()
	if *verbose && *accessLog == "" {
		*accessLog = "stderr"
	}

	// Catch the signals before announcing the address: a supervisor that
	// signals as soon as it reads the "listening" line must get a drain,
	// not the default action.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)

	rt := NewRouter()
	closeStatic, err := mountStatic(rt, *static)
	if err != nil {
		slog.Error("httpserver", "err", err)
		os.Exit(2)
	}
	defer closeStatic()
	handler, logOpts, err := withAccessLog(rt, *accessLog)
	if err != nil {
		slog.Error("httpserver", "err", err)
		os.Exit(2)
	}
	opts := append([]http.Option{http.WithLoops(*loops), http.WithReusePort(*reusePort), http.WithDrainIdleGrace(*drainIdle)}, logOpts...)
	certs, err := tlsf.Load("httpserver")
	if err != nil {
		slog.Error("httpserver: TLS", "err", err)
		os.Exit(2)
	}
	if certs != nil {
		opts = append(opts, http.WithTLSConfig(certs.Config()))
	}
	srv := http.NewServer(handler, opts...)
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
	slog.Info("httpserver: listening", "addr", srv.Addr().String(), "loops", *loops, "tls", certs != nil)
	got := <-sig
	drain(srv, got, drainTimeout)
}

// drainTimeout bounds the graceful shutdown on SIGTERM or SIGINT.
const drainTimeout = 10 * time.Second

// drain shuts srv down gracefully, saying so: "draining" with the open
// connections when it starts, then "drained" with how long it took, or a
// warning with how many connections were still open when the timeout
// closed them.
func drain(srv *http.Server, got os.Signal, timeout time.Duration) {
	start := time.Now()
	slog.Info("httpserver: draining", "signal", got.String(), "connections", srv.TCP().NumConnections(), "timeout", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var left atomic.Int64
	stop := context.AfterFunc(ctx, func() { left.Store(srv.TCP().NumConnections()) })
	defer stop()
	if err := srv.Shutdown(ctx); err != nil {
		slog.Warn("httpserver: drain timed out; closed the rest", "closed", left.Load(), "took", time.Since(start).Round(time.Millisecond), "err", err)
		return
	}
	slog.Info("httpserver: drained", "took", time.Since(start).Round(time.Millisecond))
}
