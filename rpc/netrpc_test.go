package rpc_test

import (
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"testing"

	rpcpkg "github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// TestNetRPCJSONClient drives the server with Go's standard JSON-RPC 1.0
// client over the stream codec and a real TCP connection.
func TestNetRPCJSONClient(t *testing.T) {
	s := newTestServer(t)
	addr := startTransport(t, s, func() rpcpkg.Codec { return rpcpkg.NewStreamCodec(s.Limits()) })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	client := jsonrpc.NewClient(conn)
	defer client.Close()

	var sum int
	if err := client.Call("Arith.Add", demo.Args{A: 40, B: 2}, &sum); err != nil || sum != 42 {
		t.Fatalf("Add = %d, %v", sum, err)
	}
	var q int
	if err := client.Call("Arith.Div", &demo.Args{A: 7, B: 2}, &q); err != nil || q != 3 {
		t.Fatalf("Div = %d, %v", q, err)
	}
	err = client.Call("Arith.Div", demo.Args{A: 1, B: 0}, &q)
	if se, ok := err.(rpc.ServerError); !ok || string(se) != "division by zero" {
		t.Fatalf("Div by zero: %#v", err)
	}
	err = client.Call("Arith.Nope", demo.Args{}, &q)
	if se, ok := err.(rpc.ServerError); !ok || string(se) != "Method not found" {
		t.Fatalf("unknown method: %#v", err)
	}
	// Concurrent calls on one connection, some through the worker pool.
	calls := make([]*rpc.Call, 50)
	for i := range calls {
		if i%2 == 0 {
			calls[i] = client.Go("Arith.Mul", demo.Args{A: i, B: 3}, new(int), nil)
		} else {
			calls[i] = client.Go("Echo.Echo", i, new([]int), nil)
		}
	}
	for i, c := range calls {
		<-c.Done
		if c.Error != nil {
			t.Fatalf("call %d: %v", i, c.Error)
		}
		if i%2 == 0 && *c.Reply.(*int) != 3*i {
			t.Fatalf("Mul %d = %d", i, *c.Reply.(*int))
		}
		if i%2 == 1 && (*c.Reply.(*[]int))[0] != i {
			t.Fatalf("Echo %d = %v", i, *c.Reply.(*[]int))
		}
	}
}
