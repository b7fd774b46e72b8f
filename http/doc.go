// Package http implements the HTTP/1.1 request parsing layer of muduo-go:
// an incremental, allocation-free parser for request heads (RFC 9112 / RFC
// 9110) and an in-place decoder for chunked request bodies.
//
// # Contract with the connection glue
//
// The parser works on plain []byte and knows nothing about sockets. From
// the connection's message callback (on its event-loop goroutine) the glue
// passes data = every unconsumed byte of the input buffer:
//
//	req, err := c.parser.Parse(data)
//	switch {
//	case err != nil: // answer StatusOf(err), then close: never read on
//	case req == nil: // head incomplete: wait for more bytes
//	case req.Chunked():
//		body := data[req.HeadLen():]
//		done, err := c.chunks.Decode(body) // decodes in place
//		// when done: decoded body is body[:c.chunks.Len()], and the
//		// request occupies req.HeadLen()+c.chunks.Consumed() bytes.
//	default:
//		// body is data[req.HeadLen():][:max(req.ContentLength(), 0)]
//	}
//	// after the handler: consume the request's bytes, then
//	// c.parser.Reset() and c.chunks.Reset(limits) for the next one.
//
// Between calls the glue may append bytes and may move the buffer (growth,
// compaction) as long as the unconsumed bytes keep their order: parser and
// decoder keep only offsets from the start of data, never slices, and each
// call only examines bytes it has not examined before, so a client sending
// one byte per read costs linear time.
//
// Every error is an *Error carrying the status the server must answer with;
// after it the connection must be closed, because the framing of anything
// that follows can no longer be trusted (reading on would open the door to
// request smuggling).
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
// members are only ever added. Importing this package imports expvar and
// net/http/pprof, which register /debug/vars and /debug/pprof/ on
// net/http's DefaultServeMux: a program that serves DefaultServeMux
// publicly exposes them there.
package http
