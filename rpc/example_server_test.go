package rpc_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// Arith is a service: every exported method of the form
// M(ctx, args, *reply) error (ctx optional) becomes "Arith.M".
type Arith struct{}

type Operands struct{ A, B int }

func (Arith) Add(args Operands, sum *int) error { *sum = args.A + args.B; return nil }

// Example is a JSON-RPC 2.0 server over TCP and a client calling it: a
// service registered with Register, a single function with Handle, the
// TCP transport started with Start, and a graceful Shutdown.
func Example() {
	srv := rpc.NewServer()
	defer srv.Close()
	// Every method of a receiver, under an explicit service name.
	if err := srv.Register("Arith", Arith{}, rpc.Inline()); err != nil {
		log.Fatal(err)
	}
	// One function, typed: params bind onto *string, the result is *string.
	err := rpc.Handle(srv, "upper", func(_ context.Context, s *string, r *string) error {
		*r = strings.ToUpper(*s)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	ts := rpc.NewTCPServer(srv, rpc.WithTCPOptions(tcp.WithLoops(1)))
	if err := ts.Start("127.0.0.1:0"); err != nil { // ListenAndServe blocks instead
		log.Fatal(err)
	}
	defer ts.Shutdown(context.Background())

	ctx := context.Background()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var sum int
	if err := c.Call(ctx, "Arith.Add", Operands{A: 40, B: 2}, &sum); err != nil {
		log.Fatal(err)
	}
	var up string
	if err := c.Call(ctx, "upper", []string{"muduo"}, &up); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum, up)
	// Output: 42 MUDUO
}
