package testrpc

import (
	"context"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// The demo services answer over both transports.
func TestDemoOverTCPAndHTTP(t *testing.T) {
	srv := Demo(t)
	defer srv.Close()
	ts := ServeTCP(t, srv)
	defer ts.Close()
	hs := ServeHTTP(t, srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.Call(ctx, "Arith.Add", map[string]int{"a": 2, "b": 3}, &n); err != nil || n != 5 {
		t.Fatalf("TCP Arith.Add = %d, %v", n, err)
	}
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", nil)
	if err := hc.Call(ctx, "Arith.Mul", map[string]int{"a": 2, "b": 3}, &n); err != nil || n != 6 {
		t.Fatalf("HTTP Arith.Mul = %d, %v", n, err)
	}
}

// The options reach the server: a batch over its limit is refused.
func TestDemoOptions(t *testing.T) {
	srv := Demo(t, rpc.WithLimits(rpc.Limits{MaxBatch: 1}))
	defer srv.Close()
	ts := ServeTCP(t, srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	elems := []rpc.BatchElem{{Method: "Arith.Add", Params: map[string]int{"a": 1}, Result: new(int)}, {Method: "Arith.Add", Params: map[string]int{"a": 2}, Result: new(int)}}
	if err := c.Batch(ctx, elems); err != nil || elems[0].Error == nil || elems[1].Error == nil {
		t.Fatalf("batch of 2 with MaxBatch 1: %v, %v %v", err, elems[0].Error, elems[1].Error)
	}
}
