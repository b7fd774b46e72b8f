package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// respDeadline is the generous bound on any well-formed request's answer.
const respDeadline = 10 * time.Second

// rnd is one goroutine's deterministic random source (from -seed).
type rnd struct{ *rand.Rand }

func newRnd(seed uint64, stream int) *rnd {
	return &rnd{rand.New(rand.NewPCG(seed, uint64(stream)))}
}

func (r *rnd) Intn(n int) int { return r.IntN(n) }

func (r *rnd) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sizes picks a bucket bound at random, then a size up to it.
func (r *rnd) sizes(bounds ...int) int { return r.Intn(bounds[r.Intn(len(bounds))] + 1) }

// env is what every client needs.
type env struct {
	st        *stats
	httpAddr  string // examples/httpserver
	httpsAddr string // examples/httpserver -tls-self-signed
	rpcTCP    string // examples/rpcserver -tcp
	rpcHTTP   string // examples/rpcserver -http
	seed      uint64
	end       time.Time // when the load stops
	verbose   bool
}

func dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// runLoop calls one until ctx ends; a failed dial counts as a failure of k
// (the server refused a well-behaved client) and backs off a little.
func runLoop(ctx context.Context, e *env, k *kind, addr string, one func(net.Conn) bool) {
	for ctx.Err() == nil {
		c, err := dial(ctx, addr)
		if err != nil {
			// A dial cut by the load's deadline is not the server's fault:
			// the dialer's own timer can fire before ctx reports Err.
			if ctx.Err() == nil && time.Now().Before(e.end) {
				e.st.failf(k, nil, []byte(err.Error()), "dial %s", addr)
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now().Add(respDeadline)) })
		one(c)
		stop()
		c.Close()
	}
}

// exchange writes the requests in one write and verifies their responses in
// order; it returns false (after recording a failure) when the connection
// can not be used any more.
func exchange(e *env, k *kind, c net.Conn, br *bufio.Reader, reqs []httpReq) bool {
	var w []byte
	for _, r := range reqs {
		w = append(w, r.wire...)
	}
	c.SetDeadline(time.Now().Add(respDeadline))
	if _, err := c.Write(w); err != nil {
		e.st.failf(k, w, []byte(err.Error()), "write")
		return false
	}
	return readAll(e, k, br, reqs)
}

func readAll(e *env, k *kind, br *bufio.Reader, reqs []httpReq) bool {
	for i, r := range reqs {
		resp, err := readResponse(br, r.exp.head)
		if err != nil {
			e.st.failf(k, r.wire, resp.raw, "response %d of %d: %v", i+1, len(reqs), err)
			return false
		}
		if err := r.exp.check(resp); err != nil {
			e.st.failf(k, r.wire, resp.raw, "response %d of %d: %v", i+1, len(reqs), err)
			return false
		}
		e.st.ok(k, 1)
	}
	return true
}

// expectEOF checks the server closes after a final response.
func expectEOF(e *env, k *kind, br *bufio.Reader, req []byte) {
	b, err := br.ReadByte()
	if err == nil {
		rest, _ := br.Peek(br.Buffered())
		e.st.failf(k, req, append([]byte{b}, rest...), "bytes after the final response")
	} else if !errors.Is(err, io.EOF) && !isReset(err) {
		e.st.failf(k, req, []byte(err.Error()), "server did not close after Connection: close")
	}
}

// keepAliveClient: one request at a time on a keep-alive connection, the
// last one with Connection: close.
func keepAliveClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("http-keepalive")
	runLoop(ctx, e, k, e.httpAddr, func(c net.Conn) bool {
		br := bufio.NewReader(c)
		n := 10 + rng.Intn(300)
		for i := 0; i < n && ctx.Err() == nil; i++ {
			last := i == n-1
			r := randomHTTPReq(rng, last)
			if !exchange(e, k, c, br, []httpReq{r}) {
				return false
			}
			if last {
				expectEOF(e, k, br, r.wire)
			}
		}
		return true
	})
}

// pipelineClient: 2..16 requests per write.
func pipelineClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("http-pipelined")
	runLoop(ctx, e, k, e.httpAddr, func(c net.Conn) bool {
		br := bufio.NewReader(c)
		for i := 0; i < 50 && ctx.Err() == nil; i++ {
			reqs := make([]httpReq, 2+rng.Intn(15))
			for j := range reqs {
				reqs[j] = randomHTTPReq(rng, false)
			}
			if !exchange(e, k, c, br, reqs) {
				return false
			}
		}
		return true
	})
}

// chunkedClient: chunked POST /echo uploads of up to 256 KiB, written in
// random pieces with small pauses between them.
func chunkedClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("http-chunked-upload")
	runLoop(ctx, e, k, e.httpAddr, func(c net.Conn) bool {
		br := bufio.NewReader(c)
		for i := 0; i < 20 && ctx.Err() == nil; i++ {
			r := echoReq(rng, rng.bytes(rng.sizes(100, 8192, 256<<10)), "application/octet-stream", true, "")
			c.SetDeadline(time.Now().Add(respDeadline))
			for rest := r.wire; len(rest) > 0; {
				n := min(len(rest), 1+rng.Intn(len(r.wire)/3+1))
				if _, err := c.Write(rest[:n]); err != nil {
					e.st.failf(k, r.wire, []byte(err.Error()), "write")
					return false
				}
				rest = rest[n:]
				time.Sleep(time.Duration(rng.Intn(3)) * time.Millisecond)
			}
			if !readAll(e, k, br, []httpReq{r}) {
				return false
			}
		}
		return true
	})
}

// netHTTPClient uses Go's net/http client (keep-alive, chunked uploads).
func netHTTPClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("http-nethttp")
	tr := &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true, ResponseHeaderTimeout: respDeadline}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: respDeadline}
	base := "http://" + e.httpAddr
	for ctx.Err() == nil {
		var req *http.Request
		var want []byte
		ct := "text/plain"
		switch rng.Intn(3) {
		case 0:
			req, _ = http.NewRequest("GET", base+"/plaintext", nil)
			want = []byte(plainBody)
		case 1:
			req, _ = http.NewRequest("GET", base+"/json", nil)
			want, ct = []byte(jsonBody), "application/json"
		default:
			want, ct = rng.bytes(rng.sizes(10, 4096, 100<<10)), "application/x-chaos"
			// io.MultiReader hides the length: net/http sends it chunked.
			req, _ = http.NewRequest("POST", base+"/echo", io.MultiReader(bytes.NewReader(want)))
			req.Header.Set("Content-Type", ct)
		}
		desc := []byte(req.Method + " " + req.URL.Path)
		resp, err := cl.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				e.st.failf(k, desc, []byte(err.Error()), "net/http")
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			e.st.failf(k, desc, body, "reading body: %v", err)
		case resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct ||
			resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) || resp.Header.Get("Server") != "muduo-go":
			e.st.failf(k, desc, body, "status %d, headers %v", resp.StatusCode, resp.Header)
		case !bytes.Equal(body, want):
			e.st.failf(k, desc, body, "body differs (%d bytes, want %d)", len(body), len(want))
		default:
			e.st.ok(k, 1)
		}
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && (errors.Is(err, errConnReset) || errors.Is(err, errConnAborted))
}

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReaderSize(c, 64<<10) }
