package rpc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// A batch the server rejects as a whole (here: longer than its limit) is
// answered with one error that has no id; Batch must return with that
// error on every element instead of waiting forever.
func TestClientBatchRejectedAsAWhole(t *testing.T) {
	srv := testrpc.Demo(t, rpc.WithLimits(rpc.Limits{MaxBatch: 2}))
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	elems := make([]rpc.BatchElem, 3)
	for i := range elems {
		elems[i] = rpc.BatchElem{Method: "Arith.Add", Params: map[string]int{"a": i, "b": 1}, Result: new(int)}
	}
	if err := c.Batch(ctx, elems); err != nil {
		t.Fatalf("Batch: %v", err)
	}
	for i, e := range elems {
		var re *rpc.Error
		if !errors.As(e.Error, &re) || re.Code != rpc.CodeInvalidRequest {
			t.Errorf("element %d: error %v, want -32600", i, e.Error)
		}
	}
	// The connection is still good for a batch within the limit.
	var a, b int
	ok := []rpc.BatchElem{{Method: "Arith.Add", Params: map[string]int{"a": 1, "b": 2}, Result: &a}, {Method: "Arith.Mul", Params: map[string]int{"a": 3, "b": 4}, Result: &b}}
	if err := c.Batch(ctx, ok); err != nil || a != 3 || b != 12 || ok[0].Error != nil || ok[1].Error != nil {
		t.Fatalf("batch after the rejected one: err %v, results %d %d, %v %v", err, a, b, ok[0].Error, ok[1].Error)
	}
}

// Go with an unbuffered done channel is a programming error, as in net/rpc.
func TestClientGoUnbufferedPanics(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "unbuffered") {
			t.Fatalf("recover = %v, want the unbuffered panic", p)
		}
	}()
	var c rpc.Client
	c.Go("Arith.Add", nil, nil, make(chan *rpc.Call))
}

// HTTPClient reports the JSON-RPC error carried by a refusal (413 for a body
// over the size limit), not just the status line.
func TestHTTPClientRefusalCarriesError(t *testing.T) {
	srv := testrpc.Demo(t, rpc.WithLimits(rpc.Limits{MaxMessageSize: 64}))
	defer srv.Close()
	hs := testrpc.ServeHTTP(t, srv)
	defer hs.Close()
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", nil)
	err := hc.Call(context.Background(), "Echo.Echo", []string{strings.Repeat("x", 200)}, nil)
	var re *rpc.Error
	if !errors.As(err, &re) || re.Code != rpc.CodeInvalidRequest {
		t.Fatalf("err = %v, want the server's -32600 error object", err)
	}
}
