package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// The exact error responses of the http package (parser errors close, and
// name their reason in one line as net/http's do).
var (
	exp431 = expect{status: "431 Request Header Fields Too Large", ctype: "text/plain; charset=utf-8",
		body: []byte("431 Request Header Fields Too Large: header section too large\n"), close: true}
	exp413 = expect{status: "413 Content Too Large", ctype: "text/plain; charset=utf-8",
		body: []byte("413 Content Too Large: body too large\n"), close: true}
	// Random garbage fails one of several checks: any reason will do.
	exp400 = expect{status: "400 Bad Request", ctype: "text/plain; charset=utf-8",
		body: []byte("400 Bad Request: "), close: true, reasonLine: true}
)

// errorExchange writes req (concurrently, as the server may answer before
// it has read it all), reads one response, checks it against exp and then
// expects the server's close.
func errorExchange(ctx context.Context, e *env, k *kind, addr string, req []byte, exp expect, stream func(net.Conn)) {
	hostileExchange(ctx, e, k, addr, req, stream, exp)
}

// hostileExchange writes req (and then stream, if any), reads one response
// per exps, checks each, and expects the close if the last one says so.
func hostileExchange(ctx context.Context, e *env, k *kind, addr string, req []byte, stream func(net.Conn), exps ...expect) {
	h, err := openHostile(ctx, e, addr, false)
	if err != nil {
		return
	}
	defer h.finish()
	_ = h.SetDeadline(time.Now().Add(respDeadline))
	go func() {
		if _, err := h.Write(req); err == nil && stream != nil {
			stream(h)
		}
	}()
	br := newReader(h)
	for _, exp := range exps {
		resp, err := readResponse(br, false)
		if err == nil {
			err = exp.check(resp)
		}
		if err != nil {
			e.st.failf(k, req, resp.raw, "%v", err)
			return
		}
	}
	e.st.ok(k, len(exps))
	if exps[len(exps)-1].close {
		expectEOF(e, k, br, req)
	}
}

// oversizedClient: heads over 64 KiB (431), bodies over 8 MiB declared
// (413 at once) or streamed chunked (413 once 8 MiB are in).
func oversizedClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-oversized")
	hostileLoop(ctx, e, 0, 200*time.Millisecond, func() {
		switch rng.Intn(4) {
		case 0, 1:
			req := fmt.Appendf(nil, "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n", bytes.Repeat([]byte("h"), 65<<10+rng.Intn(64<<10)))
			errorExchange(ctx, e, k, e.httpAddr, req, exp431, nil)
		case 2:
			req := fmt.Appendf(nil, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n", 8<<20+1+rng.Intn(1<<30))
			errorExchange(ctx, e, k, e.httpAddr, req, exp413, nil)
		default:
			req := []byte("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := append(fmt.Appendf(nil, "%x\r\n", 64<<10), append(bytes.Repeat([]byte("c"), 64<<10), "\r\n"...)...)
			errorExchange(ctx, e, k, e.httpAddr, req, exp413, func(c net.Conn) {
				for range 160 { // 10 MiB at most
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			})
		}
	})
}

// garbageClient sends random bytes that start with a byte no request line
// can start with: the server must answer exactly 400 and close. Half the
// time a valid request comes first in the same write, which must be
// answered normally: a failure right after a success on one connection
// once left the loop's shared parser failed, and every well-behaved client
// after it was refused (the well-behaved kinds catch that).
func garbageClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-garbage")
	starts := []byte{0x00, 0x01, 0x7f, ' ', '(', '@', '{', 0xff, 0x80}
	good := []byte("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	expPlain := expect{status: "200 OK", ctype: "text/plain", body: []byte("Hello, World!")}
	hostileLoop(ctx, e, 0, 50*time.Millisecond, func() {
		g := rng.bytes(1 + rng.Intn(4096))
		g[0] = starts[rng.Intn(len(starts))]
		if rng.Intn(2) == 0 {
			errorExchange(ctx, e, k, e.httpAddr, g, exp400, nil)
			return
		}
		hostileExchange(ctx, e, k, e.httpAddr, append(append([]byte(nil), good...), g...), nil, expPlain, exp400)
	})
}

// floodClient opens many connections at once (bounded well below both our
// and the server's fd limit), checks that a fresh well-behaved connection
// is still served while they are open, holds them 3 s and closes them
// (half of them with RST).
func floodClient(ctx context.Context, e *env, rng *rnd, servers []*server) {
	first := true
	hostileLoop(ctx, e, 8*time.Second, 0, func() {
		k := e.st.kind("flood-probe") // registered once it runs: a run too short for it is not a failure
		if first {                    // let the warm-up see a flood early
			first = false
			sleepCtx(ctx, time.Until(e.end)/20)
		}
		s := servers[rng.Intn(len(servers))]
		addr := s.addrs["http"]
		if s.addrs["tcp"] != "" {
			addr = s.addrs["tcp"]
		}
		if s.addrs["https"] != "" {
			addr = s.addrs["https"] // connections that never start their handshake
		}
		n := floodSize(s.pid)
		conns := make([]*hconn, n)
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < n; i += 16 {
					conns[i], _ = openHostile(ctx, e, addr, false)
				}
			})
		}
		wg.Wait()
		if e.verbose {
			logf("flood: %d connections to %s (%s)", n, addr, s.name)
		}
		probe(ctx, e, k, s)
		sleepCtx(ctx, 3*time.Second)
		for i, h := range conns {
			if h != nil {
				if i%2 == 0 {
					h.rst()
				} else {
					h.finish()
				}
			}
		}
		sleepCtx(ctx, time.Duration(5+rng.Intn(10))*time.Second)
	})
}

// floodSize is how many connections a flood opens: at most 5000, half of
// the server's free descriptors, and half of ours.
func floodSize(pid int) int {
	ps, _ := readProc(pid)
	es, _ := os.ReadDir("/proc/self/fd")
	return max(0, min(5000, (fdLimit(pid)-ps.fds)/2, (raiseNofile()-len(es))/2-1000))
}

// probe sends one well-formed request on a fresh connection to s.
func probe(ctx context.Context, e *env, k *kind, s *server) {
	if s.addrs["tcp"] != "" {
		c, err := dial(ctx, s.addrs["tcp"])
		if err != nil {
			e.st.failf(k, nil, []byte(err.Error()), "dial during flood")
			return
		}
		defer c.Close()
		call := randomCall(newRnd(e.seed, 99), 1, false, false)
		p := map[string]rpcText{call.id: {text: call.text, calls: []rpcCall{call}}}
		rpcExchange(e, k, c, newReader(c), append(call.text, '\n'), p, 1, false)
		return
	}
	addr := s.addrs["http"]
	if s.addrs["https"] != "" {
		addr = s.addrs["https"]
	}
	c, err := dial(ctx, addr)
	if err != nil {
		e.st.failf(k, nil, []byte(err.Error()), "dial during flood")
		return
	}
	defer c.Close()
	if s.addrs["https"] != "" {
		tc, ok := tlsHandshake(e, k, c)
		if !ok {
			return
		}
		c = tc
	}
	exchange(e, k, c, newReader(c), []httpReq{randomHTTPReq(newRnd(e.seed, 98), false)})
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
