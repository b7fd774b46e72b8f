package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

func wsURL(a *app) string { return "ws://" + a.hs.Addr().String() + "/ws" }

// TestWebSocketRPC checks the /ws contract with rpc.WebSocketClient:
// calls, a batch as one text message, Ticker.subscribe pushing exactly
// 1..M, two subscriptions at once, unsubscribe.
func TestWebSocketRPC(t *testing.T) {
	a := startApp(t, "", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := rpc.DialWebSocket(ctx, wsURL(a), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(ctx) }()
	var sum int
	if err := c.Call(ctx, "Arith.Add", map[string]int{"a": 2, "b": 40}, &sum); err != nil || sum != 42 {
		t.Fatalf("Arith.Add: %d %v", sum, err)
	}
	err = c.Call(ctx, "Arith.Div", map[string]int{"a": 1, "b": 0}, &sum)
	if e, ok := err.(*rpc.Error); !ok || e.Code != 1 || e.Message != "division by zero" {
		t.Fatalf("Arith.Div by zero: %v", err)
	}
	var echo any
	if err := c.Call(ctx, "Echo.Echo", []any{"x", 1.5}, &echo); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(echo); string(b) != `["x",1.5]` {
		t.Fatalf("Echo.Echo: %s", b)
	}
	ch1, ch2 := make(chan json.RawMessage, 100), make(chan json.RawMessage, 100)
	s1, err := c.Subscribe(ctx, "Ticker.subscribe", "Ticker.unsubscribe", map[string]int{"interval_ms": 1, "count": 5}, ch1)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.Subscribe(ctx, "Ticker.subscribe", "Ticker.unsubscribe", map[string]int{"interval_ms": 1, "count": 1000000}, ch2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s1.ID(), "0x") || s1.ID() == s2.ID() {
		t.Fatalf("ids %q %q", s1.ID(), s2.ID())
	}
	for i := 1; i <= 5; i++ {
		select {
		case r := <-ch1:
			if string(r) != itoa(i) {
				t.Fatalf("notification %d: %s", i, r)
			}
		case <-time.After(guard):
			t.Fatalf("notification %d missing", i)
		}
	}
	for i := 1; i <= 3; i++ {
		if r := <-ch2; string(r) != itoa(i) {
			t.Fatalf("second subscription's %d: %s", i, r)
		}
	}
	if err := s2.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	// Unknown ids unsubscribe to false.
	var ok bool
	if err := c.Call(ctx, "Ticker.unsubscribe", []string{"0x00"}, &ok); err != nil || ok {
		t.Fatalf("unsubscribe unknown: %v %v", ok, err)
	}
	// Nothing more after 1..M: a call's reply comes next on the wire.
	if err := c.Call(ctx, "Arith.Mul", map[string]int{"a": 6, "b": 7}, &sum); err != nil || sum != 42 {
		t.Fatalf("Arith.Mul: %d %v", sum, err)
	}
	select {
	case r := <-ch1:
		t.Fatalf("notification after the count: %s", r)
	default:
	}
	if st := a.srv.Stats().WebSocket; st.Connections != 1 || st.Notifications < 8 {
		t.Fatalf("stats %+v", st)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestWebSocketRPCSubscribeOverTCP: over a transport without push the
// subscribe method answers "notifications not supported".
func TestWebSocketRPCSubscribeOverTCP(t *testing.T) {
	a := startApp(t, "127.0.0.1:0", "")
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := rpc.Dial(ctx, a.ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Call(ctx, "Ticker.subscribe", map[string]int{"interval_ms": 1, "count": 1}, nil)
	if e, ok := err.(*rpc.Error); !ok || e.Code != rpc.CodeMethodNotFound {
		t.Fatalf("subscribe over TCP: %v", err)
	}
}

const nodeRPCClient = `
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[process.argv.length - 1]);
const got = [];
let subId = null;
ws.on('open', () => {
  ws.send(JSON.stringify([{jsonrpc: '2.0', id: 1, method: 'Arith.Add', params: {a: 1, b: 2}},
                          {jsonrpc: '2.0', id: 2, method: 'Ticker.subscribe', params: {interval_ms: 5, count: 4}}]));
});
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (Array.isArray(m)) {
    const add = m.find((r) => r.id === 1), sub = m.find((r) => r.id === 2);
    if (add.result !== 3) { console.log('BAD add ' + data); process.exit(1); }
    subId = sub.result;
    return;
  }
  if (m.method !== 'Ticker.subscription' || m.params.subscription !== subId) { console.log('BAD ' + data); process.exit(1); }
  got.push(m.params.result);
  if (got.length > 4) { console.log('BAD extra ' + data); process.exit(1); }
  if (got.length === 4) {
    setTimeout(() => { console.log('OK ' + got.join(',')); ws.close(1000); }, 50);
  }
});
ws.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
`

// TestWebSocketRPCNode: the npm ws client sends a batch with a call and a
// subscribe and receives the notifications 1..4 and nothing more.
func TestWebSocketRPCNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not installed")
		}
		t.Skip("node not installed")
	}
	out, _ := exec.Command("npm", "root", "-g").Output()
	modules := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(modules, "ws")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the npm ws package is not installed (npm install -g ws)")
		}
		t.Skip("the npm ws package is not installed")
	}
	a := startApp(t, "", "127.0.0.1:0")
	// Only a bound against a hang: node's start-up alone took over 30 s
	// on a 2-core machine at load 30, and the test asserts what node
	// reports, not how fast.
	ctx, cancel := context.WithTimeout(context.Background(), 2*guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", nodeRPCClient, wsURL(a))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	res, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(res)) != "OK 1,2,3,4" {
		t.Fatalf("node: %v\n%s", err, res)
	}
}
