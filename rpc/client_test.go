package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

func dialClient(t testing.TB, addr string, opts ...rpc.ClientOption) *rpc.Client {
	t.Helper()
	ctx, cancel := contextWithGuard()
	defer cancel()
	c, err := rpc.Dial(ctx, addr, append([]rpc.ClientOption{rpc.WithClientLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestClientManyInFlight puts 1,000 calls in flight on one connection,
// inline and worker methods mixed, then collects them all.
func TestClientManyInFlight(t *testing.T) {
	s := newTestServer(t)
	ts := startTCP(t, s)
	c := dialClient(t, ts.Addr().String())
	const n = 1000
	done := make(chan *rpc.Call, n)
	calls := make([]*rpc.Call, n)
	for i := range calls {
		switch i % 3 {
		case 0:
			calls[i] = c.Go("Arith.Add", demo.Args{A: i, B: 1}, new(int), done)
		case 1:
			calls[i] = c.Go("Echo.Echo", []int{i}, new([]int), done)
		default:
			calls[i] = c.Go("Arith.Div", demo.Args{A: i, B: i % 2}, new(int), done)
		}
	}
	for range n {
		select {
		case <-done:
		case <-time.After(guard):
			t.Fatal("calls not all answered")
		}
	}
	for i, call := range calls {
		var err error
		switch i % 3 {
		case 0:
			if got := *call.Reply.(*int); call.Error != nil || got != i+1 {
				err = fmt.Errorf("Add = %d, %v", got, call.Error)
			}
		case 1:
			if got := *call.Reply.(*[]int); call.Error != nil || len(got) != 1 || got[0] != i {
				err = fmt.Errorf("Echo = %v, %v", got, call.Error)
			}
		default:
			var e *rpc.Error
			if i%2 == 0 && (!errors.As(call.Error, &e) || e.Message != "division by zero") {
				err = fmt.Errorf("Div by zero: %v", call.Error)
			}
			if i%2 == 1 && (call.Error != nil || *call.Reply.(*int) != i) {
				err = fmt.Errorf("Div = %d, %v", *call.Reply.(*int), call.Error)
			}
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := ts.TCP().NumConnections(); got != 1 {
		t.Fatalf("%d connections", got)
	}
}

// TestClientCallNotifyBatch covers Call with a timeout, Notify and Batch.
func TestClientCallNotifyBatch(t *testing.T) {
	s := newTestServer(t)
	b := registerBlocker(t, s)
	notified := make(chan int, 1)
	if err := s.RegisterMethod("Test.Note", func(n int, _ *struct{}) error { notified <- n; return nil }); err != nil {
		t.Fatal(err)
	}
	c := dialClient(t, startTCP(t, s).Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var n int
	if err := c.Call(ctx, "Block.Wait", []int{1}, &n); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call past its deadline: %v", err)
	}
	b.unblock() // its late reply is dropped; the connection goes on

	bg := context.Background()
	if err := c.Call(bg, "Arith.Add", demo.Args{A: 2, B: 3}, &n); err != nil || n != 5 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	var e *rpc.Error
	if err := c.Call(bg, "Arith.Div", demo.Args{A: 2}, &n); !errors.As(err, &e) || e.Code != rpc.CodeApplicationError || e.Message != "division by zero" {
		t.Fatalf("Div by zero: %#v", err)
	}
	if err := c.Call(bg, "Arith.Add", map[string]any{"a": 1, "c": 2}, &n); !errors.As(err, &e) || e.Code != rpc.CodeInvalidParams {
		t.Fatalf("unknown member: %#v", err)
	}
	if err := c.Notify(bg, "Test.Note", []int{7}); err != nil {
		t.Fatal(err)
	}
	wait(t, chanOf(notified, 7, t), "the notification")

	var add, mul, blocked int
	var echoed []string
	elems := []rpc.BatchElem{
		{Method: "Arith.Add", Params: demo.Args{A: 1, B: 2}, Result: &add},
		{Method: "Test.Note", Params: []int{8}, Notify: true},
		{Method: "Arith.Mul", Params: []demo.Args{{A: 3, B: 4}}, Result: &mul},
		{Method: "No.Such"},
		{Method: "Echo.Echo", Params: []string{"x"}, Result: &echoed},
		{Method: "Block.Wait", Params: []int{9}, Result: &blocked},
		{Method: "Arith.Div", Params: demo.Args{A: 1}},
	}
	if err := c.Batch(bg, elems); err != nil {
		t.Fatal(err)
	}
	wait(t, chanOf(notified, 8, t), "the batch's notification")
	if add != 3 || mul != 12 || blocked != 9 || len(echoed) != 1 || echoed[0] != "x" {
		t.Fatalf("batch results %d %d %d %v", add, mul, blocked, echoed)
	}
	for i, el := range elems {
		want := 0
		switch i {
		case 3:
			want = rpc.CodeMethodNotFound
		case 6:
			want = rpc.CodeApplicationError
		}
		if got := 0; errors.As(el.Error, &e) {
			got = e.Code
			if got != want {
				t.Errorf("element %d: %v", i, el.Error)
			}
		} else if el.Error != nil || want != 0 {
			t.Errorf("element %d: %v", i, el.Error)
		}
	}
	// A batch of notifications only gets no reply and must not wait.
	if err := c.Batch(bg, []rpc.BatchElem{{Method: "Test.Note", Params: []int{9}, Notify: true}}); err != nil {
		t.Fatal(err)
	}
	wait(t, chanOf(notified, 9, t), "the notification batch")
}

// chanOf returns a channel closed once want arrives on ch.
func chanOf(ch <-chan int, want int, t *testing.T) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		select {
		case got := <-ch:
			if got != want {
				t.Errorf("got %d, want %d", got, want)
			}
		case <-time.After(guard):
		}
		close(out)
	}()
	return out
}

// TestClientReconnect stops the server under a connected client: calls
// fail with ErrConnectionLost or ErrNotConnected; a server restarted on the
// same port is found again by the connector and calls work again.
func TestClientReconnect(t *testing.T) {
	s := newTestServer(t)
	b := registerBlocker(t, s)
	ts := startTCP(t, s)
	addr := ts.Addr().String()
	c := dialClient(t, addr)
	var n int
	if err := c.Call(context.Background(), "Arith.Add", demo.Args{A: 1, B: 1}, &n); err != nil || n != 2 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	pending := c.Go("Block.Wait", []int{1}, nil, nil)
	wait(t, b.started, "the call to start")
	_ = ts.Close()
	call := <-pending.Done
	if !errors.Is(call.Error, rpc.ErrConnectionLost) {
		t.Fatalf("pending call: %v", call.Error)
	}
	// Down now: calls fail at once rather than wait.
	waitFor(t, "a call to fail", func() bool {
		call := <-c.Go("Arith.Add", demo.Args{}, &n, nil).Done
		if call.Error == nil {
			t.Fatal("call succeeded with the server stopped")
		}
		return errors.Is(call.Error, rpc.ErrNotConnected)
	})
	ts2 := rpc.NewTCPServer(s)
	if err := ts2.Start(addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts2.Close() })
	ctx, cancel := contextWithGuard() // the connector retries after 0.5, 1, 2 s...
	defer cancel()
	if err := c.Call(ctx, "Arith.Add", demo.Args{A: 20, B: 22}, &n); err != nil || n != 42 {
		t.Fatalf("after reconnecting: %d, %v", n, err)
	}
}

// TestClientClose fails the calls in flight; later calls fail at once.
func TestClientClose(t *testing.T) {
	s := newTestServer(t, rpc.WithWorkers(8)) // every call must start
	b := registerBlocker(t, s)
	ts := startTCP(t, s)
	ctx, cancel := contextWithGuard()
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String(), rpc.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	calls := make([]*rpc.Call, 5)
	for i := range calls {
		calls[i] = c.Go("Block.Wait", []int{i}, nil, nil)
		wait(t, b.started, "the call to start")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for i, call := range calls {
		select {
		case <-call.Done:
			if !errors.Is(call.Error, rpc.ErrConnectionLost) && !errors.Is(call.Error, rpc.ErrClientClosed) {
				t.Fatalf("call %d: %v", i, call.Error)
			}
		case <-time.After(guard):
			t.Fatalf("call %d not failed by Close", i)
		}
	}
	if err := c.Call(ctx, "Arith.Add", demo.Args{}, nil); !errors.Is(err, rpc.ErrClientClosed) {
		t.Fatalf("Call after Close: %v", err)
	}
	if call := <-c.Go("Arith.Add", demo.Args{}, nil, nil).Done; !errors.Is(call.Error, rpc.ErrClientClosed) {
		t.Fatalf("Go after Close: %v", call.Error)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// The server sees the connection go and cancels the handlers.
	for range calls {
		wait(t, b.cancelled, "the handler's context to end")
	}
	waitFor(t, "the server to drop the connection", func() bool { return ts.TCP().NumConnections() == 0 })
}
