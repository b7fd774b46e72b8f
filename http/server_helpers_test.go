package http

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// guard bounds every wait in the server tests. It is a failure guard only:
// no test asserts how fast anything happens.
const guard = 15 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// startServer starts a server on a free loopback port, closed when the test
// ends.
func startServer(t testing.TB, h Handler, opts ...Option) *Server {
	t.Helper()
	s := NewServer(h, append([]Option{WithLogger(quietLogger)}, opts...)...)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testRouter is the router most tests serve: the example's endpoints plus
// /r/ (reveals the request) and /big (a large body).
func testRouter() *Router {
	rt := NewRouter()
	rt.GET("/plaintext", func(w *ResponseWriter, _ *Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.WriteString("Hello, World!")
	})
	rt.GET("/json", func(w *ResponseWriter, _ *Request) {
		w.Header().Set("Content-Type", "application/json")
		w.SetBody(append(w.Body(), `{"message":"Hello, World!"}`...))
	})
	rt.POST("/echo", func(w *ResponseWriter, r *Request) {
		if ct := r.Header("Content-Type"); ct != nil {
			w.Header().Set("Content-Type", string(ct))
		}
		_, _ = w.Write(r.Body())
	})
	rt.HandlePrefix("", "/r/", HandlerFunc(reveal))
	rt.GET("/big", func(w *ResponseWriter, _ *Request) {
		_, _ = w.Write(make([]byte, 16<<10))
	})
	return rt
}

// reveal answers "METHOD target body" so tests can check which request a
// response belongs to.
func reveal(w *ResponseWriter, r *Request) {
	_, _ = w.WriteString(r.Method() + " " + string(r.Target()) + " " + string(r.Body()))
}

// client is a raw connection to a server with a reader for its responses.
type client struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, s *Server) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr().String(), guard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// response is a parsed response with its body read completely.
type response struct {
	*nethttp.Response
	body string
}

// read reads one response to a request with the given method.
func (c *client) read(method string) response {
	c.t.Helper()
	r, err := c.tryRead(method)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	return r
}

func (c *client) tryRead(method string) (response, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	resp, err := nethttp.ReadResponse(c.br, &nethttp.Request{Method: method})
	if err != nil {
		return response{}, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return response{}, err
	}
	return response{resp, string(b)}, nil
}

// expectStatus reads a response and checks its status.
func (c *client) expectStatus(method string, code int) response {
	c.t.Helper()
	r := c.read(method)
	if r.StatusCode != code {
		c.t.Fatalf("status %d, want %d (body %q)", r.StatusCode, code, r.body)
	}
	return r
}

// expectEOF checks that the server closes the connection without sending
// anything more, then closes it on this side too, as a client does.
func (c *client) expectEOF() {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(c.br)
	_ = c.nc.Close()
	if len(b) > 0 {
		c.t.Fatalf("%d unexpected bytes before close: %q", len(b), b)
	}
	if err != nil && !isReset(err) {
		c.t.Fatalf("connection not closed: %v", err)
	}
}

// expectOpen checks that the connection stays open and quiet for d.
func (c *client) expectOpen(d time.Duration) {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	n, err := c.br.Read(b[:])
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		c.t.Fatalf("connection not open and quiet: n=%d err=%v", n, err)
	}
	_ = c.nc.SetReadDeadline(time.Time{})
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || errors.Is(err, net.ErrClosed))
}

// checkClose asserts the response announces "Connection: close"
// (ReadResponse removes that field and reports it as Close).
func checkClose(t testing.TB, r response) {
	t.Helper()
	if !r.Close || r.ProtoMinor != 1 {
		t.Fatalf("HTTP/1.%d response without Connection: close: %v", r.ProtoMinor, r.Header)
	}
}

// checkErrorResponse asserts what every error response must carry.
func checkErrorResponse(t testing.TB, r response, code int) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("status %d, want %d", r.StatusCode, code)
	}
	if r.Header.Get("Date") == "" {
		t.Fatalf("no Date in %v", r.Header)
	}
	if _, err := nethttp.ParseTime(r.Header.Get("Date")); err != nil {
		t.Fatalf("bad Date: %v", err)
	}
	checkClose(t, r)
}

// waitFor polls cond until it holds or the guard runs out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openFDs counts the process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n" }

func post(path, body string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// chunked encodes parts as a chunked POST.
func chunked(path string, parts ...string) string {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	for _, p := range parts {
		b.WriteString(strconv.FormatInt(int64(len(p)), 16) + "\r\n" + p + "\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}
