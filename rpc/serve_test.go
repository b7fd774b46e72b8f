package rpc_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestTCPServerServe: the TCP transport serves a listener made with
// net.Listen, a client's calls are answered, and Shutdown makes Serve
// return tcp.ErrServerClosed.
func TestTCPServerServe(t *testing.T) {
	srv := rpc.NewServer()
	defer srv.Close()
	if err := srv.Register("Arith", Arith{}, rpc.Inline()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := rpc.NewTCPServer(srv)
	served := make(chan error, 1)
	go func() { served <- ts.Serve(l) }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := c.Call(ctx, "Arith.Add", Operands{A: 40, B: 2}, &sum); err != nil || sum != 42 {
		t.Fatalf("Arith.Add = %d, %v", sum, err)
	}
	if got := ts.Addr().String(); got != l.Addr().String() {
		t.Fatalf("Addr() = %s, want %s", got, l.Addr())
	}
	c.Close()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, tcp.ErrServerClosed) {
			t.Fatalf("Serve after Shutdown = %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Serve did not return after Shutdown")
	}
}
