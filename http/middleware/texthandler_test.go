package middleware

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TestTextHandlerAccessLine: the line TextHandler writes for an access-log
// entry directly is byte for byte the line slog's TextHandler writes for
// the access log's slog.Record, on generated entries: awkward paths
// (spaces, quotes, '=', control characters, DEL, invalid UTF-8, non-ASCII
// spaces), durations of every magnitude, IPv4, IPv6 and zoned peers, no
// peer, request IDs, errors, levels with offsets, time zones, and times in
// the same millisecond as the line before (whose formatting is reused).
func TestTextHandlerAccessLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	targets := []string{"/plaintext", "/a b", `/q"x"`, "/k=v", "/\x00\x1f", "/del\x7f", "/bad\xff\xfe", "/nb\u00a0sp",
		"/\u2028", "/é/ü?q=ß", "", "/back\\slash", "/" + strings.Repeat("x", 300)}
	methods := []string{"GET", "POST", "", "M-SEARCH", "ÜBER"}
	peers := []netip.AddrPort{{}, netip.MustParseAddrPort("127.0.0.1:43210"), netip.MustParseAddrPort("[::1]:8080"),
		netip.MustParseAddrPort("[fe80::1%eth0]:1"), netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone("a b"), 2)}
	ids := []string{"", "abc-123", "with space", "x=y"}
	errs := []error{nil, nil, errors.New("client gone"), errors.New("")}
	levels := []slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelInfo + 2, slog.LevelDebug - 1, slog.LevelError + 4}
	msgs := []string{"http", "access log", ""}
	zones := []*time.Location{time.UTC, time.FixedZone("X", -(3*3600 + 30*60)), time.FixedZone("Y", 5*3600)}
	var got bytes.Buffer
	direct := NewTextHandler(&got, nil) // one handler: its time cache is exercised
	now := time.Unix(1e9, 0)
	for i := range 3000 {
		info := &http.ResponseInfo{
			Method: methods[rng.IntN(len(methods))], Target: []byte(targets[rng.IntN(len(targets))]),
			Status: rng.IntN(600), Written: rng.Int64N(1 << 40), Duration: randomDuration(rng),
			RemoteAddr: peers[rng.IntN(len(peers))], Err: errs[rng.IntN(len(errs))],
		}
		switch rng.IntN(3) {
		case 0:
			now = time.Unix(rng.Int64N(4e9), rng.Int64N(1e9))
		case 1:
			now = now.Add(time.Duration(rng.Int64N(int64(2 * time.Millisecond)))) // often the same millisecond
		}
		if rng.IntN(4) == 0 {
			now = now.In(zones[rng.IntN(len(zones))])
		}
		level, msg, id := levels[rng.IntN(len(levels))], msgs[rng.IntN(len(msgs))], ids[rng.IntN(len(ids))]
		a := newAccessLog(slog.New(slog.DiscardHandler), []AccessLogOption{AccessLogMessage(msg)})
		var want bytes.Buffer
		got.Reset()
		if err := slog.NewTextHandler(&want, nil).Handle(context.Background(), a.record(now, level, info, id)); err != nil {
			t.Fatal(err)
		}
		direct.writeAccess(now, level, msg, info, id)
		if got.String() != want.String() {
			t.Fatalf("entry %d:\ndirect %q\nslog   %q", i, got.String(), want.String())
		}
	}
}

func randomDuration(rng *rand.Rand) time.Duration {
	switch rng.IntN(8) {
	case 0:
		return 0
	case 1:
		return -time.Duration(rng.Int64N(1e12))
	case 2:
		return time.Duration(rng.Int64N(math.MaxInt64))
	case 3:
		return time.Duration(rng.Int64N(1000))
	case 4:
		return time.Duration(rng.Int64N(10)) * time.Microsecond
	}
	return time.Duration(rng.Int64N(int64(time.Second) << rng.IntN(4)))
}

// TestAppendDuration: appendDuration agrees with Duration.String.
func TestAppendDuration(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ds := []time.Duration{0, 1, 999, 1000, 1001, 1100, 999999, 1000000, 1000001, 1500000, 999999999, time.Second,
		-1, math.MinInt64, math.MaxInt64}
	for range 100000 {
		ds = append(ds, randomDuration(rng))
	}
	for _, d := range ds {
		if got := string(appendDuration(nil, d)); got != d.String() {
			t.Fatalf("%d: %q, want %q", int64(d), got, d.String())
		}
	}
}

// TestTextHandlerAccessLog: through the server, AccessLog with a
// TextHandler logs the line slog's would (the time aside), and lines of
// the other records, and of derived handlers, go to the same writer.
func TestTextHandlerAccessLog(t *testing.T) {
	lw := newLineWriter()
	th := NewTextHandler(lw, nil)
	logger := slog.New(th)
	base := serve(t, RequestID()(AccessLog(logger)(Recover(logger)(accessLogTestHandler()))))
	resp, _ := do(t, "GET", base+"/ok?a=b", nil)
	lines := lw.wait(t, 1)
	_, line, _ := strings.Cut(lines[0], " ") // drop the time
	want := "level=INFO msg=http method=GET path=\"/ok?a=b\" status=200 bytes=5 duration="
	if !strings.HasPrefix(line, want) || !strings.Contains(line, " peer=127.0.0.1:") ||
		!strings.HasSuffix(line, " request_id="+resp.Header.Get("X-Request-ID")) {
		t.Fatalf("line %q", lines[0])
	}
	do(t, "GET", base+"/panic", nil)
	lines = lw.wait(t, 3) // Recover's line, then the access log's
	if !strings.Contains(lines[1], "msg=\"http: handler panic\"") || !strings.Contains(lines[2], "level=WARN msg=http method=GET path=/panic status=500") ||
		!strings.Contains(lines[2], " error=") {
		t.Fatalf("lines %q", lines[1:])
	}
	logger.With("k", "v").Info("derived")
	if lines = lw.wait(t, 4); !strings.HasSuffix(lines[3], "level=INFO msg=derived k=v") {
		t.Fatalf("line %q", lines[3])
	}
}

// TestTextHandlerOptions: with ReplaceAttr the line goes through slog, which
// applies it.
func TestTextHandlerOptions(t *testing.T) {
	var buf bytes.Buffer
	th := NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "peer" {
			return slog.Attr{}
		}
		return a
	}})
	a := newAccessLog(slog.New(th), nil)
	if a.text != nil {
		t.Fatal("direct path with a ReplaceAttr")
	}
	a.log(&http.ResponseInfo{Method: "GET", Target: []byte("/"), Status: 200, RemoteAddr: netip.MustParseAddrPort("1.2.3.4:5")})
	if strings.Contains(buf.String(), "peer=") || !strings.Contains(buf.String(), "path=/ status=200") {
		t.Fatalf("line %q", buf.String())
	}
}

// TestTextHandlerAllocs: a line written directly allocates nothing.
func TestTextHandlerAllocs(t *testing.T) {
	a := newAccessLog(slog.New(NewTextHandler(discardWriter{}, nil)), nil)
	info := &http.ResponseInfo{Method: "GET", Target: []byte("/plaintext"), Status: 200, Written: 13,
		Duration: 1234, RemoteAddr: netip.MustParseAddrPort("127.0.0.1:43210")}
	if n := testing.AllocsPerRun(100, func() { a.log(info) }); n != 0 {
		t.Fatalf("%v allocs per line", n)
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
