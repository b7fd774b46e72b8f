// Command rpcclient calls examples/rpcserver with muduo-go's own clients,
// over TCP and over HTTP, and prints each call and its result:
//
//	go run ./examples/rpcclient -tcp 127.0.0.1:9090 -http http://127.0.0.1:9091/rpc
//
// It calls Arith.Add, Arith.Mul, Arith.Div (including a division by zero,
// which must come back as an error), Echo.Echo with nested JSON, a batch,
// and a notification. It exits non-zero if any answer is wrong.
//
// It says what it is doing: "rpcclient: connecting to ADDR", then
// "rpcclient: connected to ADDR", or at once, when nothing listens there,
// the error (rpcclient: rpc: dial tcp 127.0.0.1:9090: connect: connection
// refused) and exit status 1. All of it, the calls included, must be done
// within 10 s.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

type args struct {
	A int `json:"a"`
	B int `json:"b"`
}

// caller is what both clients offer.
type caller interface {
	Call(ctx context.Context, method string, params, reply any) error
	Notify(ctx context.Context, method string, params any) error
}

func main() {
	tcpAddr := flag.String("tcp", "127.0.0.1:9090", "TCP transport address (empty: skip)")
	httpURL := flag.String("http", "http://127.0.0.1:9091/rpc", "HTTP transport URL (empty: skip)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ok := true
	if *tcpAddr != "" {
		fmt.Printf("rpcclient: connecting to %s\n", *tcpAddr)
		c, err := rpc.Dial(ctx, *tcpAddr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rpcclient:", err)
			os.Exit(1)
		}
		fmt.Printf("rpcclient: connected to %s\n", *tcpAddr)
		ok = run(ctx, "tcp", c) && ok
		ok = batch(ctx, c) && ok
		c.Close()
	}
	if *httpURL != "" {
		ok = run(ctx, "http", rpc.NewHTTPClient(*httpURL, nil)) && ok
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, name string, c caller) bool {
	ok := true
	check := func(what string, got, want any, err error) {
		if err != nil || !reflect.DeepEqual(got, want) {
			ok = false
			fmt.Printf("%s %-28s FAIL got %v want %v err %v\n", name, what, got, want, err)
			return
		}
		fmt.Printf("%s %-28s = %v\n", name, what, got)
	}
	var n int
	err := c.Call(ctx, "Arith.Add", args{A: 7, B: 8}, &n)
	check("Arith.Add(7,8)", n, 15, err)
	err = c.Call(ctx, "Arith.Mul", []args{{A: 7, B: 8}}, &n)
	check("Arith.Mul([{7,8}])", n, 56, err)
	err = c.Call(ctx, "Arith.Div", args{A: 17, B: 5}, &n)
	check("Arith.Div(17,5)", n, 3, err)
	err = c.Call(ctx, "Arith.Div", args{A: 1, B: 0}, &n)
	if e, isRPC := err.(*rpc.Error); isRPC && e.Message == "division by zero" {
		fmt.Printf("%s %-28s = error %d %q\n", name, "Arith.Div(1,0)", e.Code, e.Message)
	} else {
		ok = false
		fmt.Printf("%s %-28s FAIL err %v\n", name, "Arith.Div(1,0)", err)
	}
	var echoed any
	in := map[string]any{"x": []any{float64(1), "two", map[string]any{"three": true}}}
	err = c.Call(ctx, "Echo.Echo", in, &echoed)
	check("Echo.Echo(nested)", fmt.Sprint(echoed), fmt.Sprint(map[string]any{"x": []any{"1", "two", map[string]any{"three": true}}}), err)
	if err := c.Notify(ctx, "Echo.Echo", []int{42}); err != nil {
		ok = false
		fmt.Printf("%s notification FAIL %v\n", name, err)
	}
	return ok
}

func batch(ctx context.Context, c *rpc.Client) bool {
	var a, m int
	elems := []rpc.BatchElem{
		{Method: "Arith.Add", Params: args{A: 1, B: 2}, Result: &a},
		{Method: "Arith.Mul", Params: args{A: 3, B: 4}, Result: &m},
		{Method: "Echo.Echo", Params: []int{1}, Notify: true},
		{Method: "No.Such"},
	}
	if err := c.Batch(ctx, elems); err != nil {
		fmt.Println("tcp batch FAIL", err)
		return false
	}
	e, _ := elems[3].Error.(*rpc.Error)
	fmt.Printf("tcp batch                        = add %d, mul %d, unknown method -> %v\n", a, m, elems[3].Error)
	return a == 3 && m == 12 && e != nil && e.Code == rpc.CodeMethodNotFound
}
