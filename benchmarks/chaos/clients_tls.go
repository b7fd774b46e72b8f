package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"time"
)

// The HTTPS server (examples/httpserver -tls-self-signed) under the same
// load as the plain one, plus TLS's own faults. Its certificate is an
// ephemeral self-signed one, so clients skip verification: what is under
// test is the server's TLS on the loop, not the PKI.

// tlsHandshakeTimeout is tcp.DefaultTLSHandshakeTimeout, which the example
// keeps.
const tlsHandshakeTimeout = 10 * time.Second

// tlsClientConfig is every TLS client's config; sessions is shared, so
// the churn clients resume sessions (tickets) as browsers do.
var tlsClientConfig = &tls.Config{
	InsecureSkipVerify: true, // the example's ephemeral self-signed certificate
	NextProtos:         []string{"http/1.1"},
	ClientSessionCache: tls.NewLRUClientSessionCache(64),
}

// tlsHandshake runs the client handshake on c; a failure is one of k's.
func tlsHandshake(e *env, k *kind, c net.Conn) (*tls.Conn, bool) {
	tc := tls.Client(c, tlsClientConfig)
	_ = tc.SetDeadline(time.Now().Add(respDeadline))
	if err := tc.Handshake(); err != nil {
		e.st.failf(k, nil, []byte(err.Error()), "TLS handshake")
		return nil, false
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		e.st.failf(k, nil, []byte(p), "ALPN: %q, want http/1.1", p)
		return nil, false
	}
	return tc, true
}

// runLoopTLS is runLoop over TLS: one gets the established connection
// and a reader on it.
func runLoopTLS(ctx context.Context, e *env, k *kind, one func(tc *tls.Conn, br *bufio.Reader) bool) {
	runLoop(ctx, e, k, e.httpsAddr, func(c net.Conn) bool {
		tc, ok := tlsHandshake(e, k, c)
		return ok && one(tc, bufio.NewReader(tc))
	})
}

// httpsKeepAliveClient: as keepAliveClient, over TLS; some connections end
// with the client's close_notify and a half-close instead of Connection:
// close, which the server must answer with its own close.
func httpsKeepAliveClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("https-keepalive")
	runLoopTLS(ctx, e, k, func(tc *tls.Conn, br *bufio.Reader) bool {
		n := 5 + rng.Intn(100)
		closeNotify := rng.Intn(3) == 0
		for i := 0; i < n && ctx.Err() == nil; i++ {
			last := i == n-1 && !closeNotify
			r := randomHTTPReq(rng, last)
			if !exchange(e, k, tc, br, []httpReq{r}) {
				return false
			}
			if last {
				expectEOF(e, k, br, r.wire)
			}
		}
		if closeNotify && ctx.Err() == nil {
			if err := tc.CloseWrite(); err != nil {
				e.st.failf(k, nil, []byte(err.Error()), "close_notify")
				return false
			}
			expectEOF(e, k, br, []byte("(close_notify)"))
		}
		return true
	})
}

// httpsPipelineClient: 2..16 requests per write, over TLS.
func httpsPipelineClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("https-pipelined")
	runLoopTLS(ctx, e, k, func(tc *tls.Conn, br *bufio.Reader) bool {
		for i := 0; i < 20 && ctx.Err() == nil; i++ {
			reqs := make([]httpReq, 2+rng.Intn(15))
			for j := range reqs {
				reqs[j] = randomHTTPReq(rng, false)
			}
			if !exchange(e, k, tc, br, reqs) {
				return false
			}
		}
		return true
	})
}

// httpsChurnClient: one request per connection (Connection: close), so
// nearly all of its work is handshakes, most of them resumed.
func httpsChurnClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("https-churn")
	runLoopTLS(ctx, e, k, func(tc *tls.Conn, br *bufio.Reader) bool {
		r := randomHTTPReq(rng, true)
		if !exchange(e, k, tc, br, []httpReq{r}) {
			return false
		}
		expectEOF(e, k, br, r.wire)
		return true
	})
}

// expPlainToTLS is net/http's answer to plain HTTP on a TLS port, which
// the server gives too.
var expPlainToTLS = []byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")

// hostileTLSClient, at random: plain HTTP to the TLS port (net/http's
// 400, then a close); a ClientHello cut short and then silence (closed
// within the handshake timeout); garbage that is no TLS record (closed at
// once); a reset in the middle of a handshake. Nothing may linger.
func hostileTLSClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-tls")
	hello := clientHelloBytes()
	hostileLoop(ctx, e, tlsHandshakeTimeout+closeSlack+time.Second, time.Duration(100+rng.Intn(400))*time.Millisecond, func() {
		h, err := openHostile(ctx, e, e.httpsAddr, true)
		if err != nil {
			return
		}
		defer h.finish()
		switch rng.Intn(4) {
		case 0:
			req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			_, _ = h.Write(req)
			if !h.waitClosed(respDeadline) {
				e.st.failf(k, req, h.got, "plain HTTP to the TLS port: no close within %v", respDeadline)
				return
			}
			if !bytes.Equal(h.got, expPlainToTLS) {
				e.st.failf(k, req, h.got, "plain HTTP to the TLS port: not net/http's 400")
				return
			}
			e.st.hostileClosed("tls-plain-http", h.took, respDeadline)
		case 1:
			cut := hello[:5+rng.Intn(len(hello)-6)]
			_, _ = h.Write(cut)
			if !h.waitClosed(tlsHandshakeTimeout + closeSlack) {
				e.st.failf(k, cut, h.got, "stalled handshake: no close within %v", tlsHandshakeTimeout+closeSlack)
				return
			}
			e.st.hostileClosed("tls-stalled-hello", h.took, tlsHandshakeTimeout+closeSlack)
		case 2:
			g := rng.bytes(1 + rng.Intn(2048))
			g[0] = 0x80 | g[0] // no TLS content type, and no HTTP method
			_, _ = h.Write(g)
			if !h.waitClosed(respDeadline) {
				e.st.failf(k, g, h.got, "garbage to the TLS port: no close within %v", respDeadline)
				return
			}
			e.st.hostileClosed("tls-garbage", h.took, respDeadline)
		default:
			_, _ = h.Write(hello)
			time.Sleep(time.Duration(rng.Intn(20)) * time.Millisecond)
			h.rst()
			e.st.hostileClosed("tls-reset-mid-handshake", 0, 0)
		}
		e.st.ok(k, 1)
	})
}

// clientHelloBytes returns the first record a crypto/tls client sends.
func clientHelloBytes() []byte {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _ = tls.Client(a, &tls.Config{InsecureSkipVerify: true}).Handshake() }()
	hdr := make([]byte, 5)
	if _, err := readFull(b, hdr); err != nil {
		fatalf("client hello: %v", err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := readFull(b, body); err != nil {
		fatalf("client hello: %v", err)
	}
	return append(hdr, body...)
}

func readFull(c net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := c.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
