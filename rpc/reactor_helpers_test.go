package rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mhttp "github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// Helpers for the reactor transports (TCPServer, HTTPHandler) and clients.

// guard bounds every blocking step of a test; a hang fails instead of
// stalling the run. It is never an expectation about speed.
const guard = 20 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startTCP starts a reactor TCPServer for s on 127.0.0.1:0, closed when the
// test ends.
func startTCP(t testing.TB, s *rpc.Server, opts ...rpc.TCPOption) *rpc.TCPServer {
	t.Helper()
	ts := rpc.NewTCPServer(s, opts...)
	if err := ts.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Close() })
	return ts
}

// reactorTCP adapts startTCP to runGoldenStream.
func reactorTCP(opts ...rpc.TCPOption) func(*testing.T, *rpc.Server) string {
	return func(t *testing.T, s *rpc.Server) string { return startTCP(t, s, opts...).Addr().String() }
}

// startHTTP starts the project's HTTP server with srv.HTTPHandler() mounted
// on /rpc and returns its address; it is closed when the test ends.
func startHTTP(t testing.TB, s *rpc.Server, opts ...mhttp.Option) string {
	t.Helper()
	rt := mhttp.NewRouter()
	rt.Handle("/rpc", s.HTTPHandler())
	hs := mhttp.NewServer(rt, append([]mhttp.Option{mhttp.WithLogger(quiet)}, opts...)...)
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hs.Close() })
	return hs.Addr().String()
}

// stdHTTPClient returns a net/http client whose idle connections are closed
// when the test ends.
func stdHTTPClient(t testing.TB) *nethttp.Client {
	tr := &nethttp.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &nethttp.Client{Transport: tr, Timeout: guard}
}

// lineConn is a raw newline-delimited client connection.
type lineConn struct {
	t testing.TB
	net.Conn
	r *bufio.Reader
}

func dialLine(t testing.TB, addr string) *lineConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(guard))
	return &lineConn{t: t, Conn: c, r: bufio.NewReaderSize(c, 64<<10)}
}

func (c *lineConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c, s+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *lineConn) recv() string {
	c.t.Helper()
	l, err := readLine(c.r)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return l
}

func (c *lineConn) call(req string) string {
	c.t.Helper()
	c.send(req)
	return c.recv()
}

// expectEOF checks that the server closes the connection next.
func (c *lineConn) expectEOF() {
	c.t.Helper()
	if l, err := c.r.ReadString('\n'); err == nil {
		c.t.Fatalf("want the connection closed, got %q", l)
	}
}

// reply is a decoded response object.
type reply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

func decodeReply(t testing.TB, s string) reply {
	t.Helper()
	var r reply
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("bad reply %q: %v", s, err)
	}
	return r
}

func errCode(t testing.TB, s string) int {
	t.Helper()
	r := decodeReply(t, s)
	if r.Error == nil {
		t.Fatalf("want an error, got %s", s)
	}
	return r.Error.Code
}

// bystander is a well-behaved client calling Arith.Add over its own TCP
// connection until stopped; every call must succeed.
type bystander struct {
	calls atomic.Int64
	stop  chan struct{}
	done  chan error
}

func startBystander(t *testing.T, call func(a, b int) (int, error)) *bystander {
	b := &bystander{stop: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		for i := 0; ; i++ {
			select {
			case <-b.stop:
				b.done <- nil
				return
			default:
			}
			got, err := call(i, 1)
			if err == nil && got != i+1 {
				err = errBadSum
			}
			if err != nil {
				b.done <- err
				return
			}
			b.calls.Add(1)
		}
	}()
	t.Cleanup(func() { b.finish(t) })
	return b
}

var errBadSum = &rpc.Error{Code: 0, Message: "wrong sum"}

// progress waits until the bystander has completed a few more calls: it is
// still being served.
func (b *bystander) progress(t *testing.T) {
	t.Helper()
	from := b.calls.Load()
	deadline := time.Now().Add(guard)
	for b.calls.Load() < from+3 {
		select {
		case err := <-b.done:
			b.done <- err
			t.Fatalf("bystander stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("bystander made no progress")
		}
		time.Sleep(time.Millisecond)
	}
}

func (b *bystander) finish(t *testing.T) {
	select {
	case <-b.stop:
		return
	default:
	}
	close(b.stop)
	if err := <-b.done; err != nil {
		t.Errorf("bystander call failed: %v (after %d calls)", err, b.calls.Load())
	}
}

// lineAdder returns a bystander call over a raw line connection.
func lineAdder(t *testing.T, addr string) func(a, b int) (int, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	return func(a, b int) (int, error) {
		_ = c.SetDeadline(time.Now().Add(guard))
		req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "Arith.Add", "params": map[string]int{"a": a, "b": b}, "id": a})
		if _, err := c.Write(append(req, '\n')); err != nil {
			return 0, err
		}
		l, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		var rep struct {
			Result int
			Error  *rpc.Error
		}
		if err := json.Unmarshal([]byte(l), &rep); err != nil {
			return 0, err
		}
		if rep.Error != nil {
			return 0, rep.Error
		}
		return rep.Result, nil
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// waitFor polls cond until it holds or guard passes.
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

// blocker registers Block.Wait, a blocking method that reports its start
// and returns when released or when its connection's context ends.
type blocker struct {
	started   chan struct{}
	release   chan struct{}
	cancelled chan struct{}
	once      sync.Once
}

// unblock lets every call of Block.Wait, present and future, return.
func (b *blocker) unblock() { b.once.Do(func() { close(b.release) }) }

func registerBlocker(t testing.TB, s *rpc.Server) *blocker {
	b := &blocker{started: make(chan struct{}, 1024), release: make(chan struct{}), cancelled: make(chan struct{}, 1024)}
	err := s.RegisterMethod("Block.Wait", func(ctx context.Context, n int, r *int) error {
		b.started <- struct{}{}
		select {
		case <-b.release:
			*r = n
			return nil
		case <-ctx.Done():
			b.cancelled <- struct{}{}
			return ctx.Err()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.unblock)
	return b
}

func wait(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(guard):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func contextWithGuard() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), guard)
}
