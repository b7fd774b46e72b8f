package rpc_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	mhttp "github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// leakScenario starts both transports (with IO loops of their own), uses
// them with every client, including a connection closed by a scan error
// and calls left in flight, and closes everything again.
func leakScenario(t *testing.T) {
	s := rpc.NewServer(rpc.WithLogger(quiet))
	if err := demo.Register(s); err != nil {
		t.Fatal(err)
	}
	b := &blocker{started: make(chan struct{}, 16), release: make(chan struct{}), cancelled: make(chan struct{}, 16)}
	if err := s.RegisterMethod("Block.Wait", func(ctx context.Context, n int, r *int) error {
		b.started <- struct{}{}
		select {
		case <-b.release:
		case <-ctx.Done():
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ts := rpc.NewTCPServer(s, rpc.WithTCPOptions(tcp.WithLoops(2)))
	if err := ts.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	rt := mhttp.NewRouter()
	rt.Handle("/rpc", s.HTTPHandler())
	hs := mhttp.NewServer(rt, mhttp.WithLogger(quiet), mhttp.WithLoops(2))
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithGuard()
	defer cancel()

	c, err := rpc.Dial(ctx, ts.Addr().String(), rpc.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c.Call(ctx, "Arith.Add", demo.Args{A: 1, B: 2}, &n); err != nil || n != 3 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if err := c.Call(ctx, "Echo.Echo", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	inflight := c.Go("Block.Wait", []int{1}, nil, nil)
	wait(t, b.started, "the call to start")

	// A connection killed by garbage.
	bad, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = bad.Write([]byte("}\n"))
	_ = bad.SetReadDeadline(time.Now().Add(guard))
	_, _ = bad.Read(make([]byte, 512))
	bad.Close()

	hcl := stdHTTPClient(t)
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", hcl)
	if err := hc.Call(ctx, "Echo.Echo", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := hc.Notify(ctx, "Arith.Add", demo.Args{}); err != nil {
		t.Fatal(err)
	}
	hcl.Transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()

	// A client whose connect is refused: Dial says so at once.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := rpc.Dial(short, deadAddr, rpc.WithClientLogger(quiet)); !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial to nothing: %v", err)
	}
	cancelShort()

	_ = c.Close()
	if call := <-inflight.Done; call.Error == nil {
		t.Fatal("in-flight call survived Close")
	}
	close(b.release)
	_ = ts.Shutdown(ctx)
	_ = hs.Shutdown(ctx)
	s.Close()
}

// TestNoLeaks: after the servers and clients close, no goroutine is left
// and the process has as many open fds as before.
func TestNoLeaks(t *testing.T) {
	opts := goleak.IgnoreCurrent()
	leakScenario(t) // warm-up: lazily created runtime fds (netpoll) stay
	goleak.VerifyNone(t, opts)
	before := openFDs(t)
	leakScenario(t)
	goleak.VerifyNone(t, opts)
	deadline := time.Now().Add(guard)
	for openFDs(t) > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := openFDs(t); after != before {
		t.Fatalf("open fds: %d before, %d after", before, after)
	}
}
