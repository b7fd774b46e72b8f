package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

var (
	errConnReset   = syscall.ECONNRESET
	errConnAborted = syscall.ECONNABORTED
)

// The servers' timeouts (examples/httpserver has no flags for them, so the
// http package's defaults apply) and the slack allowed on top: the server
// sweeps deadlines once a second, then lingers for the client's close.
const (
	headerTimeout = 10 * time.Second
	bodyTimeout   = 30 * time.Second
	closeSlack    = 4 * time.Second
)

// hconn is one hostile connection. With a reader, a goroutine reads
// everything the server sends (up to 64 KiB kept) and notes when the server
// closed; the open count lets the sampler plot hostile connections.
type hconn struct {
	net.Conn
	st     *stats
	start  time.Time
	closed chan struct{} // closed by the reader at EOF or error
	took   time.Duration // connect to server close
	got    []byte
	once   sync.Once
}

func openHostile(ctx context.Context, e *env, addr string, reader bool) (*hconn, error) {
	c, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	h := &hconn{Conn: c, st: e.st, start: time.Now(), closed: make(chan struct{})}
	e.st.hostileOpen.Add(1)
	e.st.hostileAll.Add(1)
	if reader {
		go h.readAll()
	}
	return h, nil
}

func (h *hconn) readAll() {
	buf := make([]byte, 32<<10)
	for {
		n, err := h.Conn.Read(buf)
		if len(h.got) < 64<<10 {
			h.got = append(h.got, buf[:min(n, 64<<10-len(h.got))]...)
		}
		if err != nil {
			h.took = time.Since(h.start)
			close(h.closed)
			return
		}
	}
}

// waitClosed waits up to d for the server to close; false on timeout.
func (h *hconn) waitClosed(d time.Duration) bool {
	select {
	case <-h.closed:
		return true
	default:
	}
	select {
	case <-h.closed:
		return true
	case <-time.After(d):
		return false
	}
}

// rst closes with SO_LINGER 0: the kernel sends RST instead of FIN.
func (h *hconn) rst() {
	if tc, ok := h.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	h.finish()
}

func (h *hconn) finish() {
	h.once.Do(func() {
		h.Conn.Close()
		h.st.hostileOpen.Add(-1)
	})
}

// hostileLoop runs one again and again, pausing gap between runs, while at
// least need is left before the load ends (so that every hostile
// connection meets its server timeout before the end).
func hostileLoop(ctx context.Context, e *env, need, gap time.Duration, one func()) {
	for ctx.Err() == nil && time.Until(e.end) > need {
		one()
		select {
		case <-ctx.Done():
		case <-time.After(gap):
		}
	}
}

// slowHead sends a request head one byte per second: the server must answer
// 408 (or just close) within the header timeout.
func slowHead(ctx context.Context, e *env, rng *rnd) {
	head := []byte("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
	hostileLoop(ctx, e, headerTimeout+closeSlack+time.Second, time.Duration(rng.Intn(2000))*time.Millisecond, func() {
		k := e.st.kind("hostile-slowloris-head") // registered once it runs: a run too short for it is not a failure
		h, err := openHostile(ctx, e, e.httpAddr, true)
		if err != nil {
			return
		}
		defer h.finish()
		dripUntilClosed(ctx, h, head, headerTimeout+closeSlack)
		judgeTimeout(e, k, h, head, headerTimeout+closeSlack, "slowloris-head")
	})
}

// slowBody sends a complete head, then the body one byte per second: the
// server must answer 408 (or close) within the body timeout.
func slowBody(ctx context.Context, e *env, rng *rnd) {
	head := []byte("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
	hostileLoop(ctx, e, bodyTimeout+closeSlack+time.Second, time.Duration(rng.Intn(3000))*time.Millisecond, func() {
		k := e.st.kind("hostile-slowloris-body") // registered once it runs: a run too short for it is not a failure
		h, err := openHostile(ctx, e, e.httpAddr, true)
		if err != nil {
			return
		}
		defer h.finish()
		if _, err := h.Write(head); err != nil {
			e.st.failf(k, head, []byte(err.Error()), "writing the head")
			return
		}
		dripUntilClosed(ctx, h, bytes.Repeat([]byte("b"), 100), bodyTimeout+closeSlack)
		judgeTimeout(e, k, h, head, bodyTimeout+closeSlack, "slowloris-body")
	})
}

// dripUntilClosed writes p one byte per second until the server closes,
// limit passes (plus a second), or the run is cancelled.
func dripUntilClosed(ctx context.Context, h *hconn, p []byte, limit time.Duration) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for i := 0; time.Since(h.start) < limit+time.Second; i++ {
		_ = h.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := h.Write(p[i%len(p) : i%len(p)+1]); err != nil {
			h.waitClosed(max(time.Second, limit-time.Since(h.start)))
			return
		}
		select {
		case <-h.closed:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// judgeTimeout records when the server closed a stalled connection and
// checks that it said 408 (or nothing) first.
func judgeTimeout(e *env, k *kind, h *hconn, req []byte, limit time.Duration, name string) {
	if !h.waitClosed(0) {
		if time.Since(h.start) >= limit {
			e.st.failf(k, req, h.got, "server did not close within %v", limit)
			e.st.hostileClosed(name, time.Since(h.start), limit)
		} else if time.Now().Before(e.end) {
			e.st.failf(e.st.kind("tool"), req, h.got, "%s: gave up after %v without the server closing", name, time.Since(h.start))
		}
		return
	}
	e.st.hostileClosed(name, h.took, limit)
	if len(h.got) > 0 && !bytes.HasPrefix(h.got, []byte("HTTP/1.1 408 Request Timeout\r\n")) {
		e.st.failf(k, req, h.got, "stalled request answered with something other than 408")
		return
	}
	e.st.ok(k, 1)
}

// rstClient resets connections in the middle of a request (a random prefix
// of a valid one) or of a large response.
func rstClient(ctx context.Context, e *env, rng *rnd) {
	hostileLoop(ctx, e, 0, 20*time.Millisecond, func() {
		h, err := openHostile(ctx, e, e.httpAddr, false)
		if err != nil {
			return
		}
		_ = h.SetDeadline(time.Now().Add(5 * time.Second))
		if rng.Intn(2) == 0 {
			r := randomHTTPReq(rng, false)
			_, _ = h.Write(r.wire[:rng.Intn(len(r.wire))])
			time.Sleep(time.Duration(rng.Intn(20)) * time.Millisecond)
		} else {
			r := echoReq(rng, rng.bytes(1<<20+rng.Intn(1<<20)), "application/octet-stream", rng.Intn(2) == 0, "")
			go func() { _, _ = h.Write(r.wire) }()
			_, _ = io.ReadFull(h, make([]byte, 1+rng.Intn(64<<10)))
		}
		h.rst()
	})
}

// halfCloseClient sends 1..4 requests, then CloseWrite: every response
// must still arrive, then the server's close.
func halfCloseClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("http-halfclose")
	runLoop(ctx, e, k, e.httpAddr, func(c net.Conn) bool {
		reqs := make([]httpReq, 1+rng.Intn(4))
		var w []byte
		for i := range reqs {
			reqs[i] = randomHTTPReq(rng, false)
			w = append(w, reqs[i].wire...)
		}
		_ = c.SetDeadline(time.Now().Add(respDeadline))
		if _, err := c.Write(w); err != nil {
			e.st.failf(k, w, []byte(err.Error()), "write")
			return false
		}
		_ = c.(*net.TCPConn).CloseWrite()
		br := newReader(c)
		if readAll(e, k, br, reqs) {
			expectEOF(e, k, br, w)
		}
		time.Sleep(time.Duration(rng.Intn(20)) * time.Millisecond)
		return true
	})
}

// noReadClient pipelines one request over and over for up to 2 s without
// reading (the server must stop reading rather than buffer without
// bound), then half-closes and reads: one response per complete request.
func noReadClient(ctx context.Context, e *env, rng *rnd) {
	hostileLoop(ctx, e, respDeadline+3*time.Second, 500*time.Millisecond, func() {
		k := e.st.kind("http-noread") // registered once it runs: a run too short for it is not a failure
		h, err := openHostile(ctx, e, e.httpAddr, false)
		if err != nil {
			return
		}
		defer h.finish()
		r := randomHTTPReq(rng, false)
		for len(r.exp.body) > 100 { // small requests: many of them
			r = randomHTTPReq(rng, false)
		}
		buf := bytes.Repeat(r.wire, max(1, 64<<10/len(r.wire)))
		var n int64
		_ = h.SetWriteDeadline(time.Now().Add(time.Duration(500+rng.Intn(1500)) * time.Millisecond))
		for {
			m, err := h.Write(buf)
			n += int64(m)
			if err != nil {
				break
			}
		}
		complete := int(n / int64(len(r.wire)))
		_ = h.Conn.(*net.TCPConn).CloseWrite()
		_ = h.SetDeadline(time.Now().Add(2 * respDeadline))
		br := newReader(h)
		for i := range complete {
			resp, err := readResponse(br, r.exp.head)
			if err == nil {
				err = r.exp.check(resp)
			}
			if err != nil {
				e.st.failf(k, r.wire, resp.raw, "response %d of %d: %v", i+1, complete, err)
				return
			}
		}
		e.st.ok(k, complete)
		expectEOF(e, k, br, r.wire)
	})
}
