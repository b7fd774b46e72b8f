package rpc_test

import (
	"context"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestCallbackGoroutine checks the Dispatch contract: inline methods answer
// before Dispatch returns; blocking ones answer later, exactly once.
func TestCallbackGoroutine(t *testing.T) {
	s := newTestServer(t)
	calls := 0
	s.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1}`), func(r rpc.Reply) {
		calls++
		r.Release()
	})
	if calls != 1 {
		t.Fatalf("inline reply not synchronous: %d", calls)
	}
	for msg, empty := range map[string]bool{
		`{"jsonrpc":"2.0","method":"sum","params":[1],"id":1}`:                                                             false, // blocking call
		`{"jsonrpc":"2.0","method":"sum","params":[1]}`:                                                                    true,  // blocking notification
		`[{"jsonrpc":"2.0","method":"sum","params":[1],"id":1},{"jsonrpc":"2.0","method":"subtract","params":[1],"id":2}]`: false,
	} {
		ch := make(chan rpc.Reply, 2)
		s.Dispatch(context.Background(), []byte(msg), func(r rpc.Reply) { ch <- r })
		r := <-ch
		if empty != r.Empty() {
			t.Errorf("%s: empty=%v %s", msg, r.Empty(), r.Bytes())
		}
		r.Release()
		select {
		case r := <-ch:
			t.Fatalf("second callback: %s", r.Bytes())
		default:
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	s := rpc.NewServer()
	defer s.Close()
	if s.Register("Nil", nil) == nil || s.Register("Int", new(int)) == nil || s.Register("a.b", new(struct{})) == nil {
		t.Fatal("bad receivers accepted")
	}
	if rpc.Handle[int, int](s, "", func(context.Context, *int, *int) error { return nil }) == nil ||
		rpc.Handle[int, int](s, "g", nil) == nil || rpc.HandleRaw(s, "", nil) == nil {
		t.Fatal("a function without a name accepted")
	}
	if s.RegisterMethod("f", func(int) error { return nil }) == nil || s.RegisterMethod("f", 3) == nil {
		t.Fatal("bad funcs accepted")
	}
	if err := s.RegisterMethod("f", func(int, *int) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if s.RegisterMethod("f", func(int, *int) error { return nil }) == nil || rpc.HandleRaw(s, "f", func(context.Context, []byte) (any, error) { return nil, nil }) == nil ||
		rpc.Handle(s, "f", func(context.Context, *int, *int) error { return nil }) == nil {
		t.Fatal("duplicate accepted")
	}
}
