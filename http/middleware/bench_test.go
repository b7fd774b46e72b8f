package middleware

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// benchChain measures one keep-alive request at a time through h over
// loopback. The client reads with a fixed buffer and writes one constant
// request, so the allocations counted are the server's. cpu-ns/op is the
// process's CPU time per request, client and server.
func benchChain(b *testing.B, h http.Handler, opts ...http.Option) {
	base := serve(b, h, opts...)
	nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	req := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	// One request to learn the response's length (constant: the Date
	// field is fixed-width).
	if _, err := nc.Write(req); err != nil {
		b.Fatal(err)
	}
	n, err := nc.Read(buf)
	if err != nil || !bytes.HasSuffix(buf[:n], []byte("Hello, World!")) {
		b.Fatalf("%q %v", buf[:n], err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, buf[:n]); err != nil {
			b.Fatal(err)
		}
	}
	// The client's share (a write and a read per request) is the same for
	// every chain: differences between chains are the server's.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

var plaintext = http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.WriteString("Hello, World!")
})

// BenchmarkChain: the bare handler, behind Recover, behind an access log
// (slog's TextHandler to io.Discard) and Recover, the same with this
// package's TextHandler, and with the log's level disabled.
func BenchmarkChain(b *testing.B) {
	text := slog.New(slog.NewTextHandler(io.Discard, nil))
	off := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	b.Run("bare", func(b *testing.B) { benchChain(b, plaintext) })
	b.Run("recover", func(b *testing.B) { benchChain(b, Recover(quietLogger)(plaintext)) })
	b.Run("accesslog+recover", func(b *testing.B) { benchChain(b, AccessLog(text)(Recover(quietLogger)(plaintext))) })
	fast := slog.New(NewTextHandler(io.Discard, nil))
	b.Run("accesslog-text+recover", func(b *testing.B) { benchChain(b, AccessLog(fast)(Recover(quietLogger)(plaintext))) })
	b.Run("accesslog-disabled+recover", func(b *testing.B) { benchChain(b, AccessLog(off)(Recover(quietLogger)(plaintext))) })
	b.Run("requestid+cors+realip", func(b *testing.B) {
		benchChain(b, RequestID()(CORS(CORSOptions{AllowedOrigins: []string{"*"}})(RealIP()(plaintext))))
	})
	hooked := 0
	b.Run("server-hook", func(b *testing.B) {
		benchChain(b, plaintext, http.WithResponseHook(func(*http.ResponseInfo) { hooked++ }))
	})
	b.Run("onfinish-hook", func(b *testing.B) {
		hook := func(*http.ResponseInfo) { hooked++ }
		benchChain(b, http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			w.OnFinish(hook)
			plaintext(w, r)
		}))
	})
}

// BenchmarkAccessLogLine is the cost of one access-log line alone (the
// hook's work on the loop): slog's TextHandler to io.Discard.
func BenchmarkAccessLogLine(b *testing.B) {
	a := &accessLog{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), level: slog.LevelInfo, errLevel: slog.LevelWarn, msg: "http"}
	info := &http.ResponseInfo{Method: "GET", Target: []byte("/plaintext"), Status: 200, Written: 13,
		Duration: 1234, RemoteAddr: netip.MustParseAddrPort("127.0.0.1:43210")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.log(info)
	}
}

// BenchmarkAccessLogLineText is the same line written by this package's
// TextHandler, which AccessLog hands the fields directly.
func BenchmarkAccessLogLineText(b *testing.B) {
	a := newAccessLog(slog.New(NewTextHandler(io.Discard, nil)), nil)
	info := &http.ResponseInfo{Method: "GET", Target: []byte("/plaintext"), Status: 200, Written: 13,
		Duration: 1234, RemoteAddr: netip.MustParseAddrPort("127.0.0.1:43210")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.log(info)
	}
}
