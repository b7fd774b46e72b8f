package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// wsServer serves srv's WebSocket transport at /ws and returns its URL.
func wsServer(t *testing.T, srv *rpc.Server) string {
	t.Helper()
	rt := http.NewRouter()
	rt.Handle("GET /ws", srv.WebSocketHandler(nil))
	hs := http.NewServer(rt, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hs.Close() })
	return "ws://" + hs.Addr().String() + "/ws"
}

// TestWebSocketClientCallsAndSubscribes drives rpc.DialWebSocket end to
// end: calls (a result, an error reply), a subscription whose
// notifications arrive in order after the subscribe reply, Unsubscribe
// (after which nothing more arrives and the server's subscription ends),
// and Close.
func TestWebSocketClientCallsAndSubscribes(t *testing.T) {
	srv := rpc.NewServer()
	defer srv.Close()
	if err := demo.Register(srv); err != nil {
		t.Fatal(err)
	}
	started := make(chan *rpc.Subscription, 1)
	err := srv.RegisterSubscription("Count.subscribe", "Count.unsubscribe", "Count.subscription",
		func(_ context.Context, sub *rpc.Subscription, params []byte) error {
			var p []int
			if err := json.Unmarshal(params, &p); err != nil || len(p) != 1 {
				return &rpc.Error{Code: rpc.CodeInvalidParams, Message: "want [n]"}
			}
			started <- sub
			go func() {
				for i := 1; i <= p[0]; i++ {
					if sub.Notify(i) != nil {
						return
					}
				}
			}()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := rpc.DialWebSocket(ctx, wsServer(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}

	var sum int
	if err := c.Call(ctx, "Arith.Add", demo.Args{A: 2, B: 3}, &sum); err != nil || sum != 5 {
		t.Fatalf("Arith.Add: %d, %v", sum, err)
	}
	var rpcErr *rpc.Error
	if err := c.Call(ctx, "Arith.Div", demo.Args{A: 1, B: 0}, &sum); !errors.As(err, &rpcErr) {
		t.Fatalf("Arith.Div by zero: %v, want an *rpc.Error", err)
	}
	if err := c.Call(ctx, "No.Such", nil, nil); !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	if _, err := c.Subscribe(ctx, "Count.subscribe", "Count.unsubscribe", []string{"x"}, make(chan json.RawMessage, 1)); !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeInvalidParams {
		t.Fatalf("subscribe with bad params: %v", err)
	}

	const n = 50
	ch := make(chan json.RawMessage, n)
	sub, err := c.Subscribe(ctx, "Count.subscribe", "Count.unsubscribe", []int{n}, ch)
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID() == "" {
		t.Fatal("a subscription without an id")
	}
	serverSub := <-started
	if serverSub.ID() != sub.ID() {
		t.Fatalf("client id %q, server id %q", sub.ID(), serverSub.ID())
	}
	for i := 1; i <= n; i++ {
		select {
		case got := <-ch:
			if string(got) != strconv.Itoa(i) {
				t.Fatalf("notification %d: %s", i, got)
			}
		case <-ctx.Done():
			t.Fatalf("notification %d did not arrive", i)
		}
	}
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-serverSub.Done():
	case <-ctx.Done():
		t.Fatal("the server's subscription did not end after Unsubscribe")
	}

	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed after Close")
	}
	if err := c.Call(ctx, "Arith.Add", demo.Args{A: 1, B: 1}, &sum); err == nil {
		t.Fatal("a call after Close succeeded")
	}
}

// TestWebSocketClientSubscriptionOverflow: a subscription whose channel is
// full when a notification arrives ends with ErrSubscriptionOverflow
// instead of blocking the client's loop; calls on the connection go on.
func TestWebSocketClientSubscriptionOverflow(t *testing.T) {
	srv := rpc.NewServer()
	defer srv.Close()
	if err := demo.Register(srv); err != nil {
		t.Fatal(err)
	}
	err := srv.RegisterSubscription("Burst.subscribe", "Burst.unsubscribe", "Burst.subscription",
		func(_ context.Context, sub *rpc.Subscription, _ []byte) error {
			go func() {
				for i := 0; i < 10; i++ {
					if sub.Notify(i) != nil {
						return
					}
				}
			}()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := rpc.DialWebSocket(ctx, wsServer(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	sub, err := c.Subscribe(ctx, "Burst.subscribe", "Burst.unsubscribe", nil, make(chan json.RawMessage)) // no room
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-sub.Err():
		if !errors.Is(err, rpc.ErrSubscriptionOverflow) {
			t.Fatalf("subscription ended with %v, want ErrSubscriptionOverflow", err)
		}
	case <-ctx.Done():
		t.Fatal("the overflowing subscription did not end")
	}
	var sum int
	if err := c.Call(ctx, "Arith.Add", demo.Args{A: 4, B: 5}, &sum); err != nil || sum != 9 {
		t.Fatalf("a call after the overflow: %d, %v", sum, err)
	}
}
