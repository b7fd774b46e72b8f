package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestClientBatchCancelled: a Batch whose context ends while its replies
// are outstanding returns the context's error at once, leaves the
// results untouched, forgets its calls (a late reply is not delivered to
// anyone), and the client goes on working.
func TestClientBatchCancelled(t *testing.T) {
	addr := fakeServer(t, func(id json.RawMessage, line string) string {
		if strings.HasPrefix(line, "[") {
			return "" // the batch is never answered
		}
		return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":7}`
	})
	c := dialFake(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	res := []int{-1, -1}
	elems := []rpc.BatchElem{{Method: "a", Result: &res[0]}, {Method: "n", Notify: true}, {Method: "b", Result: &res[1]}}
	errc := make(chan error, 1)
	go func() { errc <- c.Batch(ctx, elems) }()
	waitFor(t, "the batch's calls in flight", func() bool { return rpc.ClientPending(c) == 2 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Batch after cancel: %v, want context.Canceled", err)
	}
	if res[0] != -1 || res[1] != -1 || elems[0].Error != nil || elems[2].Error != nil {
		t.Fatalf("a cancelled Batch touched its elements: %v, %v %v", res, elems[0].Error, elems[2].Error)
	}
	if n := rpc.ClientPending(c); n != 0 {
		t.Fatalf("%d calls still pending after the cancelled Batch", n)
	}
	var got int
	if err := c.Call(context.Background(), "x", nil, &got); err != nil || got != 7 {
		t.Fatalf("call after the cancelled Batch: %d, %v", got, err)
	}
}
