package main

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestPingPong runs server and client in-process for about a second, with
// every byte checked, and checks that traffic flowed and everything closed.
func TestPingPong(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		serverLoops, clientIO int
		conns, size           int
	}{
		{"one-loop-each", 0, 0, 10, 4096},
		{"pools", 2, 2, 20, 16384},
		{"odd-size", 1, 1, 5, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv, err := StartServer("127.0.0.1:0", tc.serverLoops, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cfg := ClientConfig{
				Addr: srv.Addr().String(), Conns: tc.conns, Size: tc.size, Loops: tc.clientIO,
				Verify: true, Logger: quietLogger(),
			}
			res, err := RunClient(cfg, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			if res.Bytes <= 0 || res.Messages() <= 0 || res.MiBPerSec() <= 0 || res.MsgsPerSec() <= 0 {
				t.Fatalf("no throughput: %v", res)
			}
			if res.Elapsed < time.Second {
				t.Fatalf("elapsed %v, want >= 1s", res.Elapsed)
			}
			if !strings.HasPrefix(res.String(), "pingpong: conns=") {
				t.Fatalf("result line %q", res.String())
			}
			// RunClient closed its connections before returning; the server
			// sees them go.
			deadline := time.Now().Add(5 * time.Second)
			for srv.NumConnections() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("server still has %d connections", srv.NumConnections())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPingPongEcho checks the server's contract with a plain net.Conn:
// bytes come back in order, including a block larger than a socket buffer.
func TestPingPongEcho(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv, err := StartServer("127.0.0.1:0", 0, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	block := makeBlock(4 << 20)
	errc := make(chan error, 1)
	go func() { _, err := c.Write(block); errc <- err }()
	got := make([]byte, len(block))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != block[i] {
			t.Fatalf("byte %d: got %d, want %d", i, got[i], block[i])
		}
	}
}

// TestRunClientErrors checks that bad configurations and an absent server
// fail cleanly, leaving nothing running.
func TestRunClientErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, cfg := range []ClientConfig{
		{Addr: "127.0.0.1:1", Conns: 0, Size: 1},
		{Addr: "127.0.0.1:1", Conns: 1, Size: 0},
		{Addr: "127.0.0.1:1", Conns: 1, Size: 1, Loops: -1},
	} {
		if _, err := RunClient(cfg, time.Second); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	// Nothing listens on a port we just closed: every connect is refused,
	// and RunClient says so without waiting for the connect timeout.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := ClientConfig{Addr: addr, Conns: 3, Size: 16, Loops: 1, ConnectTimeout: 200 * time.Millisecond, Logger: quietLogger()}
	if _, err := RunClient(cfg, time.Second); err == nil || !strings.Contains(err.Error(), "0 of 3 connections up; 3 failed") {
		t.Fatalf("err = %v, want 3 refused connects", err)
	}
}

func TestSessionCheck(t *testing.T) {
	s := &session{block: makeBlock(10)}
	stream := append(append(makeBlock(10), makeBlock(10)...), makeBlock(10)...)
	for _, n := range []int{3, 9, 1, 10, 7} { // 30 bytes in odd pieces
		if !s.check(stream[:n]) {
			t.Fatalf("good bytes rejected at %d", 30-len(stream))
		}
		stream = stream[n:]
	}
	if s.offset != 0 {
		t.Fatalf("offset %d after three whole blocks", s.offset)
	}
	if s.check([]byte{0, 1, 2, 4}) {
		t.Fatal("a skipped byte was accepted")
	}
}
