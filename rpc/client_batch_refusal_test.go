package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	jsoniter "github.com/json-iterator/go"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestClientBatchRefusals: a Batch the client refuses sends nothing: an
// empty one (nil, nothing to do), one with an element whose params do not
// encode (the element is named) and one on a closed client; the client goes
// on working after the first two.
func TestClientBatchRefusals(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	addr := fakeServer(t, func(id json.RawMessage, line string) string {
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
		return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":7}`
	})
	c := dialFake(t, addr)
	ctx := context.Background()

	if err := c.Batch(ctx, nil); err != nil {
		t.Fatalf("empty Batch: %v, want nil", err)
	}
	var a, b int
	elems := []rpc.BatchElem{{Method: "a", Result: &a}, {Method: "b", Params: []any{make(chan int)}, Result: &b}}
	err := c.Batch(ctx, elems)
	if err == nil || !strings.Contains(err.Error(), "batch element 1") {
		t.Fatalf("Batch with unencodable params: %v, want an error naming element 1", err)
	}
	if n := rpc.ClientPending(c); n != 0 {
		t.Fatalf("%d calls pending after a refused Batch", n)
	}
	// The next call is the first line the server sees.
	var got int
	if err := c.Call(ctx, "x", nil, &got); err != nil || got != 7 {
		t.Fatalf("call after the refused Batch: %d, %v", got, err)
	}
	mu.Lock()
	seen := append([]string(nil), lines...)
	mu.Unlock()
	if len(seen) != 1 || !strings.Contains(seen[0], `"method":"x"`) {
		t.Fatalf("the server saw %q, want only the call after the refused batches", seen)
	}

	_ = c.Close()
	if err := c.Batch(ctx, []rpc.BatchElem{{Method: "a", Result: &a}}); !errors.Is(err, rpc.ErrClientClosed) {
		t.Fatalf("Batch on a closed client: %v, want ErrClientClosed", err)
	}
}

// codedError is an application error that chooses its JSON-RPC code and
// data through the ErrorCode and ErrorData methods.
type codedError struct{}

func (codedError) Error() string  { return "quota exceeded" }
func (codedError) ErrorCode() int { return -32042 }
func (codedError) ErrorData() any { return map[string]int{"retry_after": 30} }

// TestHandlerErrorCodeAndData: a handler's error with ErrorCode and
// ErrorData methods (wrapped or not) reaches the client as an error object
// with that code, message and data, which the client's *rpc.Error gives
// back through the same methods.
func TestHandlerErrorCodeAndData(t *testing.T) {
	s := newTestServer(t)
	if err := s.RegisterMethod("Quota.Check", func(_ context.Context, wrap bool, _ *int) error {
		if wrap {
			return fmt.Errorf("checking: %w", codedError{})
		}
		return codedError{}
	}); err != nil {
		t.Fatal(err)
	}
	ts := startTCP(t, s)
	c := dialClient(t, ts.Addr().String())
	for _, wrap := range []bool{false, true} {
		var n int
		err := c.Call(context.Background(), "Quota.Check", []bool{wrap}, &n)
		var e *rpc.Error
		if !errors.As(err, &e) {
			t.Fatalf("wrap=%v: %v, want an *rpc.Error", wrap, err)
		}
		if e.ErrorCode() != -32042 || e.Code != -32042 {
			t.Fatalf("wrap=%v: code %d, want -32042", wrap, e.ErrorCode())
		}
		want := "quota exceeded"
		if wrap {
			want = "checking: quota exceeded"
		}
		if e.Error() != want {
			t.Fatalf("wrap=%v: message %q, want %q", wrap, e.Error(), want)
		}
		// The client keeps the data as the raw JSON the server sent.
		var data map[string]int
		raw, ok := e.ErrorData().(jsoniter.RawMessage)
		if !ok || json.Unmarshal(raw, &data) != nil || data["retry_after"] != 30 || len(data) != 1 {
			t.Fatalf("wrap=%v: data %#v, want the handler's {\"retry_after\":30}", wrap, e.ErrorData())
		}
	}
}
