// Command rpcserver serves JSON-RPC 2.0 (and 1.0, so Go's net/rpc/jsonrpc
// client works unchanged) over a TCP stream and over HTTP. Its behaviour is
// a contract:
//
//		go run ./examples/rpcserver -tcp 127.0.0.1:9090 -http 127.0.0.1:9091 [-loops N]
//
//	  - TCP: a stream of JSON texts (newline-delimited or concatenated); each
//	    reply is one line ending in "\n".
//	  - HTTP: POST /rpc with the JSON text as the body: 200 application/json,
//	    or 204 with no body when the request held only notifications; GET and
//	    other methods: 405 with Allow: POST.
//	  - Arith.Add, Arith.Mul, Arith.Div take {"a":int,"b":int} (members in any
//	    order) or [{"a":..,"b":..}] and return an int; a and b are required
//	    (missing or null: -32602 Invalid params); Div is integer
//	    division, and b = 0 answers an error with message "division by zero"
//	    and code 1 (outside the reserved range).
//	  - Echo.Echo returns its params unchanged.
//	  - WebSocket: GET /ws on the HTTP address upgrades to JSON-RPC over
//	    WebSocket (any Origin; permessage-deflate accepted): each text
//	    message is a request or a batch, answered on the same connection,
//	    with the methods above and Ticker.subscribe, whose params
//	    {"interval_ms":N,"count":M} return a subscription id and push M
//	    notifications {"jsonrpc":"2.0","method":"Ticker.subscription",
//	    "params":{"subscription":id,"result":i}} with i = 1..M, then
//	    nothing more; Ticker.unsubscribe [id] ends it early (true).
//
// TLS: -tls-cert FILE -tls-key FILE make both transports speak TLS
// (crypto/tls on the event loops; the TCP stream is then JSON-RPC over
// TLS, the HTTP address HTTPS and wss); SIGHUP re-reads the two files
// ("rpcserver: certificate reloaded" with the new SHA-256 fingerprint, or
// a warning and the old certificate kept). -tls-self-signed makes an
// ephemeral ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1 and
// logs its SHA-256 fingerprint:
//
//	go run ./examples/rpcserver -tls-self-signed
//	curl -k https://127.0.0.1:9091/rpc -d '{"jsonrpc":"2.0","id":1,"method":"Arith.Add","params":{"a":1,"b":2}}'
//	openssl s_client -connect 127.0.0.1:9090 -quiet   # then type a request
//
// Either address may be empty to skip that transport. SIGINT or SIGTERM
// shuts down gracefully (10 s at most): the command logs "rpcserver:
// draining" with the signal and each transport's open connections, then
// "rpcserver: drained" with how long it took (or a warning with how many
// connections the timeout closed).
//
// Observability (on unless -debug=false; needs the HTTP transport), see
// debug.Mount (package http/debug): the HTTP address also serves GET /healthz (200
// "ok\n", 503 "draining\n" once the shutdown has begun), GET /debug/vars,
// /debug/pprof/ and GET /debug/status. /debug/vars holds "muduo_rpc"
// (calls by method, errors by code: rpc.Server.PublishExpvar),
// "muduo_rpc_tcp" (the TCP transport's connections and bytes:
// tcp.Server.PublishExpvar), "muduo_http" (the HTTP transport: http.Vars),
// "goroutines", "gomaxprocs", "rss_bytes", "memstats" and "cmdline". They
// are published before the HTTP address is logged.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/debug"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

func main() {
	tcpAddr := flag.String("tcp", "127.0.0.1:9090", "TCP stream transport address (empty: off)")
	httpAddr := flag.String("http", "127.0.0.1:9091", "HTTP transport address, POST /rpc (empty: off)")
	loops := flag.Int("loops", 0, "IO loops per transport (0: the accepting loop does IO)")
	withDebug := flag.Bool("debug", true, "serve /healthz and /debug/{vars,pprof/,status} on the HTTP address (see debug.go)")
	tlsf := tlscert.AddFlags(flag.CommandLine, "TLS (TCP and HTTP transports)")
	flag.Parse()

	// Before the addresses are logged: whoever waits for them may signal
	// at once.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	certs, err := tlsf.Load("rpcserver")
	if err != nil {
		fail("TLS", err)
	}
	var tlsConfig *tls.Config
	if certs != nil {
		tlsConfig = certs.Config()
	}
	a, err := start(*tcpAddr, *httpAddr, *loops, *withDebug, slog.Default(), tlsConfig)
	if err != nil {
		fail("start", err)
	}
	if a.ts != nil {
		slog.Info("rpcserver: TCP", "addr", a.ts.Addr().String(), "tls", tlsConfig != nil)
	}
	if a.hs != nil {
		slog.Info("rpcserver: HTTP", "addr", a.hs.Addr().String(), "path", "/rpc", "tls", tlsConfig != nil)
	}

	got := <-sig
	a.drain(got, 10*time.Second)
}

// drain shuts the transports down gracefully, saying so: "draining" with
// the open connections of each transport when it starts, "drained" with
// how long it took when done (a warning with how many connections the
// timeout closed, if it had to).
func (a *app) drain(got os.Signal, timeout time.Duration) {
	start := time.Now()
	tcpConns, httpConns := a.connections()
	slog.Info("rpcserver: draining", "signal", got.String(), "tcp_connections", tcpConns, "http_connections", httpConns, "timeout", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var left atomic.Int64
	stop := context.AfterFunc(ctx, func() {
		t, h := a.connections()
		left.Store(t + h)
	})
	defer stop()
	a.shutdown(ctx)
	if ctx.Err() != nil {
		slog.Warn("rpcserver: drain timed out; closed the rest", "closed", left.Load(), "took", time.Since(start).Round(time.Millisecond))
		return
	}
	slog.Info("rpcserver: drained", "took", time.Since(start).Round(time.Millisecond))
}

// connections returns the open connections of each transport (0 for one
// that is off).
func (a *app) connections() (tcpConns, httpConns int64) {
	if a.ts != nil {
		tcpConns = a.ts.TCP().NumConnections()
	}
	if a.hs != nil {
		httpConns = a.hs.TCP().NumConnections()
	}
	return tcpConns, httpConns
}

// app is the wiring main runs: one rpc.Server with the demo services
// behind the TCP and the HTTP transport (either may be nil).
type app struct {
	srv *rpc.Server
	ts  *rpc.TCPServer
	hs  *http.Server
}

// start registers the services and starts the transports on the given
// addresses ("" skips one; port 0 picks a free one). withDebug mounts the
// debug routes and publishes the expvars, which a process can do once.
//
// tlsConfig, if not nil, makes both transports speak TLS.
func start(tcpAddr, httpAddr string, loops int, withDebug bool, logger *slog.Logger, tlsConfig *tls.Config) (*app, error) {
	a := &app{srv: rpc.NewServer(rpc.WithLogger(logger))}
	err := demo.Register(a.srv)
	if err == nil {
		err = registerTicker(a.srv)
	}
	if err != nil {
		a.srv.Close()
		return nil, fmt.Errorf("register: %w", err)
	}
	if tcpAddr != "" {
		topts := []rpc.TCPOption{rpc.WithTCPOptions(tcp.WithLoops(loops))}
		if tlsConfig != nil {
			topts = append(topts, rpc.WithTLS(tlsConfig))
		}
		ts := rpc.NewTCPServer(a.srv, topts...)
		if err := ts.Start(tcpAddr); err != nil {
			a.srv.Close()
			return nil, fmt.Errorf("tcp: %w", err)
		}
		a.ts = ts
	}
	if httpAddr != "" {
		rt := NewRouter(a.srv)
		hopts := []http.Option{http.WithLoops(loops), http.WithLogger(logger)}
		if tlsConfig != nil {
			hopts = append(hopts, http.WithTLSConfig(tlsConfig))
		}
		hs := http.NewServer(rt, hopts...)
		if withDebug {
			debug.Mount(hs, rt, "")
		}
		if err := hs.Start(httpAddr); err != nil {
			a.shutdown(context.Background())
			return nil, fmt.Errorf("http: %w", err)
		}
		a.hs = hs
		if withDebug {
			publishVars(a.srv, a.ts, hs)
		}
	}
	return a, nil
}

// shutdown drains both transports (calls in flight are answered), forcing
// what is left when ctx ends, then stops the workers.
func (a *app) shutdown(ctx context.Context) {
	if a.ts != nil {
		_ = a.ts.Shutdown(ctx)
	}
	if a.hs != nil {
		_ = a.hs.Shutdown(ctx)
	}
	a.srv.Close()
}

// NewRouter mounts the HTTP transport on /rpc and the WebSocket one on
// /ws.
func NewRouter(srv *rpc.Server) *http.Router {
	rt := http.NewRouter()
	rt.Handle("/rpc", srv.HTTPHandler())
	rt.Handle("GET /ws", srv.WebSocketHandler(&rpc.WebSocketOptions{Options: websocket.Options{
		Compression: true,
		CheckOrigin: func(*http.Request) bool { return true },
	}}))
	return rt
}

func fail(what string, err error) {
	slog.Error("rpcserver: "+what, "err", err)
	os.Exit(1)
}
