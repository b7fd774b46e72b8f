package http

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer a logger on the loop and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServerMissingHostSaysWhy is the regression test of issue 11's
// `printf 'GET / HTTP/1.1\r\n\r\n' | nc`: the body named nothing, nothing
// was logged and nothing counted the reason.
func TestServerMissingHostSaysWhy(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := startServer(t, testRouter(), WithLogger(logger))
	nc, err := net.DialTimeout("tcp", s.Addr().String(), guard)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(nc) // the server closes after an error
	if err != nil && !isReset(err) {
		t.Fatal(err)
	}
	const want = "400 Bad Request: missing required Host header\n"
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 400 Bad Request\r\n") || body != want {
		t.Fatalf("response %q, want a 400 with body %q", raw, want)
	}
	peer := nc.LocalAddr().String()
	waitFor(t, "the debug log line", func() bool { return strings.Contains(logs.String(), peer) })
	line := logs.String()
	if !strings.Contains(line, "level=DEBUG") || !strings.Contains(line, "missing required Host header") {
		t.Fatalf("log %q: want a Debug line with the reason and peer %s", line, peer)
	}
	st := s.Stats()
	if st.BadRequests != 1 || st.BadRequestReasons["missing required Host header"] != 1 {
		t.Fatalf("stats: bad_requests %d, by reason %v", st.BadRequests, st.BadRequestReasons)
	}
}

// TestServerBadInputBodiesNameReason: every refusal of badInputs has a
// one-line body "<code> <text>: <reason>", the reason one of the package's
// errors with that status, and is counted under that reason.
func TestServerBadInputBodiesNameReason(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(badLimits))
	counted := map[string]uint64{}
	for _, tc := range badInputs {
		c := dial(t, s)
		c.send(tc.req)
		r := c.read("GET")
		c.expectEOF()
		prefix := StatusText(r.StatusCode)
		line, ok := strings.CutSuffix(r.body, "\n")
		if !ok || strings.Contains(line, "\n") {
			t.Fatalf("%s: body %q is not one line", tc.name, r.body)
		}
		reason, ok := strings.CutPrefix(line, r.Status+": ")
		if !ok || prefix == "" {
			t.Fatalf("%s: body %q does not start with %q", tc.name, r.body, r.Status+": ")
		}
		found := false
		for _, e := range errorsByIndex {
			found = found || (e.Reason == reason && e.Status == r.StatusCode)
		}
		if !found {
			t.Fatalf("%s: reason %q is not a %d error of the package", tc.name, reason, r.StatusCode)
		}
		counted[reason]++
	}
	st := s.Stats()
	for reason, n := range counted {
		if st.BadRequestReasons[reason] != n {
			t.Errorf("reason %q: counted %d, sent %d (all: %v)", reason, st.BadRequestReasons[reason], n, st.BadRequestReasons)
		}
	}
}
