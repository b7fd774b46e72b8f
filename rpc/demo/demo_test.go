package demo_test

import (
	"context"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// The demo services answer through a real Server exactly as the examples
// document: integer arithmetic, division by zero as an application error
// outside the reserved range, and Echo returning its params unchanged.
func TestDemoServices(t *testing.T) {
	s := rpc.NewServer()
	defer s.Close()
	if err := demo.Register(s); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ req, want string }{
		{`{"jsonrpc":"2.0","method":"Arith.Add","params":{"b":2,"a":40},"id":1}`, `{"jsonrpc":"2.0","id":1,"result":42}`},
		{`{"jsonrpc":"2.0","method":"Arith.Mul","params":[{"a":6,"b":7}],"id":2}`, `{"jsonrpc":"2.0","id":2,"result":42}`},
		{`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":-7,"b":2},"id":3}`, `{"jsonrpc":"2.0","id":3,"result":-3}`},
		{`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":1,"b":0},"id":4}`, `{"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"division by zero"}}`},
		{`{"jsonrpc":"2.0","method":"Echo.Echo","params":{"x":[1,{"y":null}],"s":"\u00e9"},"id":"e"}`, `{"jsonrpc":"2.0","id":"e","result":{"x":[1,{"y":null}],"s":"\u00e9"}}`},
	} {
		if got := dispatchWait(ctx, s, tc.req); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.req, got, tc.want)
		}
	}
}

// dispatchWait dispatches req and waits for the reply's bytes.
func dispatchWait(ctx context.Context, s *rpc.Server, req string) string {
	ch := make(chan string, 1)
	s.Dispatch(ctx, []byte(req), func(r rpc.Reply) {
		ch <- string(r.Bytes())
		r.Release()
	})
	return <-ch
}
