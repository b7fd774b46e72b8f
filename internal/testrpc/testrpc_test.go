package testrpc

import (
	"context"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// The demo services answer over both transports, and the options reach
// the server: a batch over its limit is refused.
func TestDemo(t *testing.T) {
	srv := Demo(t, rpc.WithLimits(rpc.Limits{MaxBatch: 1}))
	defer srv.Close()
	ts, hs := ServeTCP(t, srv), ServeHTTP(t, srv)
	defer func() { _, _ = ts.Close(), hs.Close() }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tc, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", nil)
	for name, c := range map[string]interface {
		Call(context.Context, string, any, any) error
	}{"TCP": tc, "HTTP": hc} {
		var n int
		if err := c.Call(ctx, "Arith.Add", map[string]int{"a": 2, "b": 3}, &n); err != nil || n != 5 {
			t.Fatalf("%s Arith.Add = %d, %v", name, n, err)
		}
	}
	elems := []rpc.BatchElem{{Method: "Arith.Add", Params: map[string]int{"a": 1}, Result: new(int)}, {Method: "Arith.Add", Params: map[string]int{"a": 2}, Result: new(int)}}
	if err := tc.Batch(ctx, elems); err != nil || elems[0].Error == nil || elems[1].Error == nil {
		t.Fatalf("batch of 2 with MaxBatch 1: %v, %v %v", err, elems[0].Error, elems[1].Error)
	}
}
