package rpc_test

import (
	"context"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// BenchmarkDispatchInline measures decode + dispatch + encode of one
// request to an inline method, the event-loop fast path.
func BenchmarkDispatchInline(b *testing.B) {
	s := newTestServer(b)
	sess := s.NewSession(context.Background())
	msg := []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`)
	want := `{"jsonrpc":"2.0","id":1,"result":3}`
	var got string
	done := func(r rpc.Reply) {
		if got == "" {
			got = string(r.Bytes())
		}
		r.Release()
	}
	b.ReportAllocs()
	for b.Loop() {
		sess.Dispatch(msg, done)
	}
	if got != want {
		b.Fatalf("got %s", got)
	}
}

// BenchmarkDispatchInlineTyped is the same call to a method registered
// with the generic Handle (no reflect.Value.Call).
func BenchmarkDispatchInlineTyped(b *testing.B) {
	s := newTestServer(b)
	err := rpc.Handle(s, "Typed.Add", func(_ context.Context, a *demo.Args, r *int) error {
		*r = a.A + a.B
		return nil
	}, rpc.Inline())
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(`{"jsonrpc":"2.0","method":"Typed.Add","params":{"a":1,"b":2},"id":1}`)
	done := func(r rpc.Reply) { r.Release() }
	b.ReportAllocs()
	for b.Loop() {
		s.Dispatch(context.Background(), msg, done)
	}
}

// BenchmarkDispatchPositional is the same call with positional params.
func BenchmarkDispatchPositional(b *testing.B) {
	s := newTestServer(b)
	msg := []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":[1,2],"id":1}`)
	done := func(r rpc.Reply) { r.Release() }
	b.ReportAllocs()
	for b.Loop() {
		s.Dispatch(context.Background(), msg, done)
	}
}

// BenchmarkDispatchWorker goes through the worker pool (Echo.Echo).
func BenchmarkDispatchWorker(b *testing.B) {
	s := newTestServer(b)
	msg := []byte(`{"jsonrpc":"2.0","method":"Echo.Echo","params":{"a":1,"b":2},"id":1}`)
	ch := make(chan struct{}, 1)
	done := func(r rpc.Reply) { r.Release(); ch <- struct{}{} }
	b.ReportAllocs()
	for b.Loop() {
		s.Dispatch(context.Background(), msg, done)
		<-ch
	}
}

// BenchmarkStreamScan measures framing of a newline-delimited stream.
func BenchmarkStreamScan(b *testing.B) {
	line := []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}` + "\n")
	c := rpc.NewStreamCodec(rpc.Limits{})
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if text, _, err := c.Scan(line); text == nil || err != nil {
			b.Fatal(err)
		}
	}
}
