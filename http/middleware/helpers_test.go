package middleware

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	stdhttp "net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// guard bounds every wait; no test asserts how fast anything happens.
const guard = 15 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve starts a server for h on a free loopback port, closed when the
// test ends, and returns its base URL.
func serve(t testing.TB, h http.Handler, opts ...http.Option) string {
	t.Helper()
	s := http.NewServer(h, append([]http.Option{http.WithLogger(quietLogger)}, opts...)...)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return "http://" + s.Addr().String()
}

// client is Go's HTTP client with a failure guard.
var client = &stdhttp.Client{Timeout: guard}

// do sends a request and returns the response with its body read.
func do(t testing.TB, method, url string, header map[string]string) (*stdhttp.Response, string) {
	t.Helper()
	req, err := stdhttp.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, string(b)
}

// rawConn is a raw client connection for what Go's client hides.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, base string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), guard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(guard))
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *rawConn) roundTrip(req string) (*stdhttp.Response, string, error) {
	if _, err := io.WriteString(c.nc, req); err != nil {
		return nil, "", err
	}
	resp, err := stdhttp.ReadResponse(c.br, nil)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b), err
}

// lineWriter collects log output line by line, safe for the loops.
type lineWriter struct {
	mu     sync.Mutex
	lines  []string
	signal chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{signal: make(chan struct{}, 1)} }

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, strings.Split(strings.TrimRight(string(p), "\n"), "\n")...)
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
	return len(p), nil
}

// wait returns the lines once there are n.
func (l *lineWriter) wait(t testing.TB, n int) []string {
	t.Helper()
	deadline := time.After(guard)
	for {
		l.mu.Lock()
		got := append([]string(nil), l.lines...)
		l.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-l.signal:
		case <-deadline:
			t.Fatalf("%d log lines, want %d: %q", len(got), n, got)
		}
	}
}

// syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
