package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"io"
	"log/slog"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// statsServer is a Server with the demo services and a few methods that
// fail in each way a handler can.
func statsServer(t *testing.T) *rpc.Server {
	t.Helper()
	s := rpc.NewServer(rpc.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(s.Close)
	if err := demo.Register(s); err != nil {
		t.Fatal(err)
	}
	fail := func(err error) rpc.HandlerFunc {
		return func(context.Context, []byte) (any, error) { return nil, err }
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RegisterFunc("Fail.Custom", fail(&rpc.Error{Code: -32099, Message: "custom"}), rpc.Inline()))
	must(s.RegisterFunc("Fail.Plain", fail(errors.New("plain")), rpc.Inline()))
	must(s.RegisterFunc("Fail.Panic", func(context.Context, []byte) (any, error) { panic("boom") }, rpc.Inline()))
	must(s.RegisterFunc("Fail.Encode", func(context.Context, []byte) (any, error) { return func() {}, nil }, rpc.Inline()))
	return s
}

func TestStatsByMethodAndCode(t *testing.T) {
	s := statsServer(t)
	ctx := context.Background()
	call := func(n int, msg string) {
		t.Helper()
		for range n {
			s.DispatchWait(ctx, []byte(msg))
		}
	}
	call(7, `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`)
	call(2, `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2}}`) // notifications
	call(3, `{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":1,"b":0},"id":1}`)
	call(4, `{"jsonrpc":"2.0","method":"Echo.Echo","params":[1],"id":"x"}`) // worker
	call(2, `{"jsonrpc":"2.0","method":"Arith.Mul","params":{"a":"x"},"id":1}`)
	call(5, `{"jsonrpc":"2.0","method":"No.Such","id":1}`)
	call(1, `{"jsonrpc":"2.0","method":"No.Such"}`) // notification: no reply, still counted
	call(2, `{"jsonrpc":"2.0","method":`)
	call(1, `{"jsonrpc":"2.0","id":1}`)
	call(1, `[]`)
	call(1, `[{"jsonrpc":"2.0","method":"Arith.Add","params":[1,2],"id":1},{"bad":1},`+
		`{"jsonrpc":"2.0","method":"Echo.Echo","id":2}]`)
	call(1, `{"jsonrpc":"2.0","method":"Fail.Custom","id":1}`)
	call(2, `{"jsonrpc":"2.0","method":"Fail.Plain","id":1}`)
	call(1, `{"jsonrpc":"2.0","method":"Fail.Panic","id":1}`)
	call(1, `{"jsonrpc":"2.0","method":"Fail.Encode","id":1}`)
	call(1, `{"method":"Arith.Div","params":[{"a":1,"b":0}],"id":1}`) // JSON-RPC 1.0
	_ = s.AppendScanError(nil, rpc.ErrMessageTooLarge)
	s.Close()
	call(3, `{"jsonrpc":"2.0","method":"Echo.Echo","id":1}`) // blocking after Close

	st := s.Stats()
	wantMethods := map[string]rpc.MethodStats{
		"Arith.Add":   {Calls: 10},
		"Arith.Div":   {Calls: 4, Errors: 4},
		"Arith.Mul":   {Calls: 2, Errors: 2},
		"Echo.Echo":   {Calls: 8, Errors: 3},
		"Fail.Custom": {Calls: 1, Errors: 1},
		"Fail.Plain":  {Calls: 2, Errors: 2},
		"Fail.Panic":  {Calls: 1, Errors: 1},
		"Fail.Encode": {Calls: 1}, // the handler succeeded; the encoding failed
	}
	var calls uint64
	for name, want := range wantMethods {
		if got := st.Methods[name]; got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
		calls += want.Calls
	}
	if len(st.Methods) != len(wantMethods) || st.Calls != calls {
		t.Errorf("methods %d calls %d, want %d and %d", len(st.Methods), st.Calls, len(wantMethods), calls)
	}
	want := rpc.ErrorCounts{
		ParseError:     2,
		InvalidRequest: 3 + 1,
		MethodNotFound: 6,
		InvalidParams:  2,
		InternalError:  2,
		ServerClosed:   3,
		Application:    3 + 1 + 2,
		Other:          1,
	}
	if st.Errors != want {
		t.Errorf("errors\n got %+v\nwant %+v", st.Errors, want)
	}
	if st.ErrorsTotal != want.Total() || want.ByCode(rpc.CodeMethodNotFound) != 6 || want.ByCode(-32099) != 1 {
		t.Errorf("total %d, want %d", st.ErrorsTotal, want.Total())
	}
}

// TestStatsAfterTooLarge counts the oversize refusal of the HTTP entry.
func TestStatsAfterTooLarge(t *testing.T) {
	s := rpc.NewServer(rpc.WithLimits(rpc.Limits{MaxMessageSize: 16}))
	defer s.Close()
	st, _ := s.HandleHTTPBody(context.Background(), []byte(`{"jsonrpc":"2.0","method":"x","id":1}`))
	if st != 413 || s.Stats().Errors.InvalidRequest != 1 {
		t.Fatalf("status %d, stats %+v", st, s.Stats())
	}
}

func TestPublishExpvar(t *testing.T) {
	s := statsServer(t)
	name := "muduo_rpc_test_" + t.Name()
	if err := s.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishExpvar(name); err == nil {
		t.Fatal("second PublishExpvar under one name succeeded")
	}
	if err := s.PublishExpvar(""); err == nil {
		t.Fatal("PublishExpvar with an empty name succeeded")
	}
	for range 3 {
		s.DispatchWait(context.Background(), []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":[1,2],"id":1}`))
	}
	s.DispatchWait(context.Background(), []byte(`{"jsonrpc":"2.0","method":"nope","id":1}`))
	v := expvar.Get(name)
	if v == nil {
		t.Fatal("not published")
	}
	var got struct {
		Kind string `json:"kind"`
		rpc.Stats
	}
	if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
		t.Fatalf("%v: %s", err, v.String())
	}
	if got.Kind != rpc.ExpvarKind || got.Methods["Arith.Add"].Calls != 3 || got.Errors.MethodNotFound != 1 ||
		got.Calls != 3 || got.ErrorsTotal != 1 || got.Workers < 4 {
		t.Fatalf("published %s", v.String())
	}
}

// TestStatsNoAllocs: counting an error answer allocates nothing (the
// Dispatch benchmarks check the success path).
func TestStatsNoAllocs(t *testing.T) {
	if statsRace {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	s := statsServer(t)
	bad := []byte(`{"jsonrpc":"2.0","method":"nope","id":1}`)
	done := func(r rpc.Reply) { r.Release() }
	ctx := context.Background()
	base := testing.AllocsPerRun(100, func() { s.Dispatch(ctx, bad, done) })
	if base != 0 {
		t.Fatalf("an unknown method costs %v allocations", base)
	}
}
