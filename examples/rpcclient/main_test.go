package main

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// The client's checks all pass against a server wired like
// examples/rpcserver, over TCP (with the batch) and over HTTP.
func TestClientAgainstServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := testrpc.Demo(t)
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv)
	defer ts.Close()
	hs := testrpc.ServeHTTP(t, srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !run(ctx, "tcp", c) {
		t.Error("a TCP check failed (see output)")
	}
	if !batch(ctx, c) {
		t.Error("the TCP batch check failed")
	}
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", nil)
	if !run(ctx, "http", hc) {
		t.Error("an HTTP check failed (see output)")
	}
}
