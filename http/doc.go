// Package http is muduo-go's HTTP/1.1 server: handlers on the reactor's
// event loops, a Router that takes net/http's ServeMux patterns ("GET
// /users/{id}", "/static/", "{path...}"), middleware as plain
// func(Handler) Handler, JSON and form helpers, cookies, net/http handlers
// through Adapt, and graceful Shutdown. The package example (Example) is
// a whole service; ExampleRouter adds groups and middleware.
//
//	rt := http.NewRouter()
//	rt.GET("/hello/{name}", func(w *http.ResponseWriter, r *http.Request) {
//		w.Text(http.StatusOK, "hello, "+r.PathValue("name")+"\n")
//	})
//	srv := http.NewServer(rt, http.WithLoops(4))
//	err := srv.ListenAndServe(":8080") // until Shutdown(ctx)
//
// Start listens and returns; Serve(l) and ServeTLS take a listener made
// elsewhere (systemd's socket, a net.ListenConfig's), as net/http's do.
//
// # Guarantees
//
//   - A handler's ServeHTTP runs on the event loop that owns the
//     connection and must not block; one that waits detaches its
//     ResponseWriter (Detach) and finishes from another goroutine, or the
//     server runs every handler on a worker pool (WithWorkers).
//   - The Request and every byte view it returns are valid until ServeHTTP
//     returns (Clone keeps one longer).
//   - Pipelined requests on one connection are answered in the order they
//     arrived, detached and worker responses included.
//   - Bad input is answered with the status and a readable reason the
//     parser found (every parser error is an *Error; StatusOf maps any
//     error to its status), then that connection is closed; every other
//     connection is served on. Limits and timeouts (Limits,
//     WithHeaderTimeout, WithBodyTimeout, WithIdleTimeout) bound what one
//     client can make the server hold.
//
// # Parsing
//
// Request heads are parsed incrementally and without allocation (RFC 9112,
// RFC 9110): a client that sends one byte per read costs linear time, and
// the parser keeps only offsets into the connection's input. Chunked
// bodies are decoded in place. After a parse error the connection is
// closed, because the framing of anything that follows can no longer be
// trusted (reading on would open the door to request smuggling).
//
// # Decisions on points the RFCs leave open
//
//   - Bare LF (and CR not followed by LF) is refused with 400 everywhere:
//     in the head, where RFC 9112 2.2 would allow accepting it, and in chunk
//     framing, where it must not be accepted. Strictness costs nothing with
//     real clients and removes a class of front-end/back-end disagreements.
//   - Any number of empty lines (CRLF) before the request line are skipped
//     (RFC 9112 2.2); they count against Limits.MaxHeaderBytes.
//   - Content-Length: exactly 1*DIGIT. A list of identical values ("5, 5")
//     or identical values on several lines are accepted as one value (RFC
//     9110 8.6); differing, empty, signed, non-digit or overflowing values
//     are 400.
//   - Version: exactly "HTTP/" DIGIT "." DIGIT. HTTP/1.x for any x is
//     accepted and, for x >= 1, processed as HTTP/1.1 (RFC 9110 2.5;
//     Proto reports the minor version received). A well-formed version
//     with another major (HTTP/0.9, HTTP/2.0, HTTP/3.0) is 505; anything
//     else (HTTP/1.10, http/1.1, HTTP/1) is a malformed request line, 400.
//   - Transfer-Encoding: the final coding must be "chunked" (otherwise
//     400: the body length cannot be determined, RFC 9112 6.3); chunked
//     twice is 400; chunked preceded by any other coding is 501 because
//     this server decodes no other coding (RFC 9112 6.1); any
//     Transfer-Encoding in HTTP/1.0, or together with Content-Length, is
//     400.
//   - A method longer than 64 bytes is 501: it is a valid token, but not
//     one any handler implements.
//   - The request-target may contain visible ASCII except '#'; controls,
//     SP and non-ASCII bytes are 400. Characters outside the URI set such
//     as '{' or '|' are tolerated because real clients send them raw.
//   - absolute-form must be scheme "://" authority...; its authority
//     replaces Host (RFC 9112 3.2.2) but an HTTP/1.1 request must still
//     carry exactly one valid Host field. Userinfo is refused.
//   - CONNECT must use authority-form host:port, and only CONNECT may; "*"
//     is only for OPTIONS.
//   - Expect: 100-continue is honoured only in HTTP/1.1 (RFC 9110 10.1.1);
//     other expectations are left to the handler (Header("Expect")). A
//     handler that refuses from the head alone (Refuser) is answered without
//     the body when the client waits for the 100 or more than 64 KiB of it
//     are still to come, and the connection closes.
//   - Chunk extensions are parsed against the grammar and ignored; a
//     chunk-size line may be at most 4 KiB, and size lines and other framing
//     may not add up to more than max(MaxBodyBytes, 64 KiB) (413), so tiny
//     chunks cannot make the server buffer far more than the body limit.
//     Trailer fields are validated like header fields, bounded by
//     MaxHeaderBytes (431), and ignored.
//
// # Taking a connection over
//
// ResponseWriter.Hijack hands a connection to other callbacks once the
// hijacking request is done (an accepted Upgrade, a CONNECT tunnel); the
// adapter's http.Hijacker does the same behind a blocking net.Conn. After
// a request with Upgrade or CONNECT, the server parses nothing more from
// the connection until that request's handler has answered or hijacked:
// bytes of the new protocol that arrive right behind it are never read as
// HTTP requests.
//
// # Observability
//
// debug.Mount (package http/debug) adds GET /healthz (200 "ok\n"; 503 "draining\n" once
// Shutdown has begun), GET /debug/vars (expvar), /debug/pprof/ and GET
// /debug/status (a live page of the numbers) to a Router. Nothing is
// published implicitly; a program calls, once, after Start:
//
//	http.PublishRuntimeExpvar()       // "goroutines", "gomaxprocs", "rss_bytes"
//	srv.PublishExpvar("muduo_http")   // this server: see Vars for the JSON
//	rpcSrv.PublishExpvar("muduo_rpc") // rpc.Server: calls by method, errors by code
//	tcpSrv.PublishExpvar("muduo_tcp") // tcp.Server: connections, bytes, per loop
//
// next to expvar's own "cmdline" and "memstats". Every published server
// variable is a JSON object with a "kind" member ("muduo-http",
// "muduo-rpc", "muduo-tcp") so a reader can find them under any name;
// the examples use "muduo_http", "muduo_rpc" and "muduo_rpc_tcp". The
// shapes are documented at Vars, rpc.Server.PublishExpvar and tcp.Vars;
// members are only ever added. This package imports expvar (which
// registers /debug/vars on net/http's DefaultServeMux) but not
// net/http/pprof; package http/debug imports both, so a program that
// imports http/debug and serves DefaultServeMux publicly exposes
// /debug/pprof/ there.
package http
