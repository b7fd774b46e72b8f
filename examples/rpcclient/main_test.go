package main

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// The client's checks all pass against a server wired like
// examples/rpcserver, over TCP (with the batch) and over HTTP.
func TestClientAgainstServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := rpc.NewServer()
	defer srv.Close()
	if err := demo.Register(srv); err != nil {
		t.Fatal(err)
	}
	ts, err := rpc.NewTCPServer(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Start(); err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	rt := http.NewRouter()
	rt.Handle("", "/rpc", srv.HTTPHandler())
	hs := http.NewServer(rt)
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
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
