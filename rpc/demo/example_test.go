package demo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// Example registers the demo services on a server, serves them over TCP
// and calls Arith.Mul and Echo.Echo with a client.
func Example() {
	srv := rpc.NewServer()
	defer srv.Close()
	if err := demo.Register(srv); err != nil {
		log.Fatal(err)
	}
	ts := rpc.NewTCPServer(srv)
	if err := ts.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer ts.Shutdown(context.Background())

	ctx := context.Background()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var product int
	if err := c.Call(ctx, "Arith.Mul", demo.Args{A: 6, B: 7}, &product); err != nil {
		log.Fatal(err)
	}
	var echoed map[string]string
	if err := c.Call(ctx, "Echo.Echo", map[string]string{"say": "hi"}, &echoed); err != nil {
		log.Fatal(err)
	}
	fmt.Println(product, echoed["say"])
	// Output: 42 hi
}
