//go:build linux

package http

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// rawClient is a blocking socket driven by raw system calls, so that the
// client itself allocates nothing and the process's allocation count is
// the server's.
type rawClient struct {
	fd  int
	buf []byte
}

func dialRaw(tb testing.TB, s *Server) *rawClient {
	tb.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	ap := s.Addr()
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		_ = unix.Close(fd)
		tb.Fatal(err)
	}
	tv := unix.NsecToTimeval(int64(guard))
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	tb.Cleanup(func() { _ = unix.Close(fd) })
	return &rawClient{fd: fd, buf: make([]byte, 1<<20)}
}

func (c *rawClient) write(tb testing.TB, p []byte) {
	for len(p) > 0 {
		n, err := unix.Write(c.fd, p)
		if err == unix.EINTR {
			continue // a blocking syscall interrupted by the runtime's preemption signal
		}
		if err != nil {
			tb.Fatalf("write: %v", err)
		}
		p = p[n:]
	}
}

// readN reads exactly n bytes into c.buf.
func (c *rawClient) readN(tb testing.TB, n int) []byte {
	got := 0
	for got < n {
		m, err := unix.Read(c.fd, c.buf[got:n])
		if err == unix.EINTR {
			continue
		}
		if err != nil || m == 0 {
			tb.Fatalf("read after %d of %d bytes: %v", got, n, err)
		}
		got += m
	}
	return c.buf[:n]
}

// responseLen does one request and returns the length of its response
// (every response to it has the same length: the Date field is
// fixed-width).
func (c *rawClient) responseLen(tb testing.TB, req []byte) int {
	c.write(tb, req)
	got := 0
	for {
		m, err := unix.Read(c.fd, c.buf[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || m == 0 {
			tb.Fatalf("read: %v", err)
		}
		got += m
		head, _, ok := bytes.Cut(c.buf[:got], []byte("\r\n\r\n"))
		if !ok {
			continue
		}
		i := bytes.Index(head, []byte("Content-Length: "))
		if i < 0 {
			tb.Fatalf("no Content-Length in %q", head)
		}
		cl, _, _ := bytes.Cut(head[i+16:], []byte("\r\n"))
		n, _ := strconv.Atoi(string(cl))
		if total := len(head) + 4 + n; got >= total {
			return total
		}
	}
}

// roundTrips sends batches of pipelined requests and reads their responses,
// n requests in all.
func (c *rawClient) roundTrips(tb testing.TB, batch []byte, perBatch, respLen, n int) {
	for done := 0; done < n; done += perBatch {
		c.write(tb, batch)
		c.readN(tb, perBatch*respLen)
	}
}

const benchDepth = 16 // requests per write in the pipelined benchmarks

func benchServer(b *testing.B, req []byte, depth int) {
	s := startServer(b, testRouter())
	c := dialRaw(b, s)
	respLen := c.responseLen(b, req)
	batch := bytes.Repeat(req, depth)
	c.roundTrips(b, batch, depth, respLen, 100*depth) // warm up
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	b.ResetTimer()
	c.roundTrips(b, batch, depth, respLen, (b.N+depth-1)/depth*depth)
}

// The whole server path over loopback: read, parse, route, handler,
// response, write. allocs/op counts the whole process (the client makes
// raw system calls and allocates nothing).
func BenchmarkServerPlaintext(b *testing.B) { benchServer(b, techEmpowerPlaintext, 1) }
func BenchmarkServerJSON(b *testing.B)      { benchServer(b, techEmpowerJSON, 1) }
func BenchmarkServerPlaintextPipelined(b *testing.B) {
	benchServer(b, techEmpowerPlaintext, benchDepth)
}
func BenchmarkServerJSONPipelined(b *testing.B) { benchServer(b, techEmpowerJSON, benchDepth) }

var (
	techEmpowerPlaintext = techEmpowerRequest
	techEmpowerJSON      = bytes.Replace(techEmpowerRequest, []byte("/plaintext"), []byte("/json"), 1)
)

// TestServerZeroAllocs: serving /plaintext and /json allocates nothing per
// request in steady state, single and pipelined (the process's malloc
// count over thousands of requests, with a small allowance for the
// runtime and the once-a-second timer).
func TestServerZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := startServer(t, testRouter())
	for _, tc := range []struct {
		name  string
		req   []byte
		depth int
	}{
		{"plaintext", techEmpowerPlaintext, 1},
		{"json", techEmpowerJSON, 1},
		{"plaintext pipelined", techEmpowerPlaintext, benchDepth},
		{"json pipelined", techEmpowerJSON, benchDepth},
	} {
		c := dialRaw(t, s)
		respLen := c.responseLen(t, tc.req)
		batch := bytes.Repeat(tc.req, tc.depth)
		c.roundTrips(t, batch, tc.depth, respLen, 200*tc.depth)
		const n = 4000
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c.roundTrips(t, batch, tc.depth, respLen, n)
		runtime.ReadMemStats(&after)
		perReq := float64(after.Mallocs-before.Mallocs) / n
		t.Logf("%s: %.4f allocs/request", tc.name, perReq)
		if perReq > 0.02 {
			t.Errorf("%s: %.4f allocs per request (%d in %d requests), want 0", tc.name, perReq, after.Mallocs-before.Mallocs, n)
		}
	}
}
