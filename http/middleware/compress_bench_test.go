package middleware

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// compressConn is a keep-alive connection that asks for /json with one
// Accept-Encoding and reads responses of a fixed length (the compressed
// body is the same each time, the Date field fixed-width), so what a round
// trip allocates is the server's.
type compressConn struct {
	nc  net.Conn
	req []byte
	buf []byte
	n   int
}

func dialCompress(tb testing.TB, base, ae string) *compressConn {
	tb.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = nc.Close() })
	c := &compressConn{nc: nc, req: []byte("GET /json HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + ae + "\r\n\r\n"), buf: make([]byte, 64<<10)}
	// The first response tells the length: read until its head and body
	// are in, by its Content-Length.
	if _, err := nc.Write(c.req); err != nil {
		tb.Fatal(err)
	}
	got := 0
	for {
		n, err := nc.Read(c.buf[got:])
		if err != nil {
			tb.Fatal(err)
		}
		got += n
		head, body, ok := bytes.Cut(c.buf[:got], []byte("\r\n\r\n"))
		if !ok {
			continue
		}
		i := bytes.Index(head, []byte("Content-Length: "))
		if i < 0 {
			tb.Fatalf("no Content-Length: %q", head)
		}
		length := 0
		for _, d := range head[i+len("Content-Length: "):] {
			if d < '0' || d > '9' {
				break
			}
			length = length*10 + int(d-'0')
		}
		if len(body) == length {
			c.n = got
			return c
		}
	}
}

func (c *compressConn) roundTrip(tb testing.TB) {
	if _, err := c.nc.Write(c.req); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(c.nc, c.buf[:c.n]); err != nil {
		tb.Fatal(err)
	}
}

// jsonServer serves json16k at /json behind Compress.
func jsonServer(tb testing.TB) string {
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/json", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json16k)
	})
	return serve(tb, rt)
}

// BenchmarkCompressJSON16K: a 16 KiB JSON response compressed per request
// (gzip, zstd), and sent as it is to a client that asks for no coding.
func BenchmarkCompressJSON16K(b *testing.B) {
	for _, ae := range []string{"gzip", "zstd", "identity"} {
		b.Run(ae, func(b *testing.B) {
			c := dialCompress(b, jsonServer(b), ae)
			b.ReportAllocs()
			b.SetBytes(int64(len(json16k)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.roundTrip(b)
			}
		})
	}
}

// TestCompressAllocs: in steady state a compressed response allocates
// nothing (the encoders and the per-response state come from pools).
func TestCompressAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what is put back")
	}
	base := jsonServer(t)
	for _, ae := range []string{"gzip", "zstd", "deflate"} {
		c := dialCompress(t, base, ae)
		for i := 0; i < 50; i++ { // fill the pools
			c.roundTrip(t)
		}
		if n := testing.AllocsPerRun(200, func() { c.roundTrip(t) }); n >= 0.5 {
			t.Errorf("%s: %.2f allocations per compressed response, want 0", ae, n)
		}
	}
}
