package rpc_test

import (
	"fmt"
	"io"
	"net"
	stdrpc "net/rpc"
	"net/rpc/jsonrpc"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

func TestGoldenReactorTCP(t *testing.T) {
	runGoldenStream(t, reactorTCP(), frameLine, readLine)
}

func TestGoldenReactorTCPHeader(t *testing.T) {
	runGoldenStream(t, reactorTCP(rpc.WithHeaderFraming()), frameHeader, readHeaderFrame)
}

// TestReactorNetRPCClient drives the reactor TCP transport with Go's
// standard JSON-RPC 1.0 client, from one goroutine and then from many.
func TestReactorNetRPCClient(t *testing.T) {
	s := newTestServer(t)
	ts := startTCP(t, s)
	conn, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client := jsonrpc.NewClient(conn)
	defer client.Close()

	var n int
	if err := client.Call("Arith.Add", demo.Args{A: 40, B: 2}, &n); err != nil || n != 42 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if err := client.Call("Arith.Div", demo.Args{A: 17, B: 5}, &n); err != nil || n != 3 {
		t.Fatalf("Div = %d, %v", n, err)
	}
	err = client.Call("Arith.Div", demo.Args{A: 1, B: 0}, &n)
	if se, ok := err.(stdrpc.ServerError); !ok || string(se) != "division by zero" {
		t.Fatalf("Div by zero: %#v", err)
	}

	const goroutines, each = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a, b := g*1000+i, i%7
				var got int
				var err error
				switch i % 3 {
				case 0:
					err = client.Call("Arith.Add", demo.Args{A: a, B: b}, &got)
					if err == nil && got != a+b {
						err = fmt.Errorf("Add(%d,%d) = %d", a, b, got)
					}
				case 1:
					err = client.Call("Arith.Div", demo.Args{A: a, B: b}, &got)
					if b == 0 {
						if se, ok := err.(stdrpc.ServerError); ok && string(se) == "division by zero" {
							err = nil
						} else {
							err = fmt.Errorf("Div(%d,0): %v", a, err)
						}
					} else if err == nil && got != a/b {
						err = fmt.Errorf("Div(%d,%d) = %d", a, b, got)
					}
				default: // through the worker pool
					var echoed [][]int // net/rpc/jsonrpc sends params as [params]
					err = client.Call("Echo.Echo", []int{a, b}, &echoed)
					if err == nil && (len(echoed) != 1 || len(echoed[0]) != 2 || echoed[0][0] != a || echoed[0][1] != b) {
						err = fmt.Errorf("Echo(%d,%d) = %v", a, b, echoed)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestReactorProtocolErrorsKeepConnection: requests the dispatcher can
// answer are answered, and the connection goes on.
func TestReactorProtocolErrorsKeepConnection(t *testing.T) {
	for _, framing := range []struct {
		name string
		opts []rpc.TCPOption
	}{{"stream", nil}, {"header", []rpc.TCPOption{rpc.WithHeaderFraming()}}} {
		t.Run(framing.name, func(t *testing.T) {
			s := newTestServer(t)
			ts := startTCP(t, s, framing.opts...)
			c := dialLine(t, ts.Addr().String())
			frame, read := frameLine, readLine
			if framing.opts != nil {
				frame, read = frameHeader, readHeaderFrame
			}
			for _, tc := range []struct {
				req  string
				code int
			}{
				{`{"jsonrpc":"2.0","method":1,"id":1}`, rpc.CodeInvalidRequest},
				{`{"jsonrpc":"2.0","method":"No.Such","id":2}`, rpc.CodeMethodNotFound},
				{`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":"x"},"id":3}`, rpc.CodeInvalidParams},
				{`{"jsonrpc":"2.0","method":"Echo.Echo","params":[1,],"id":4}`, rpc.CodeParseError},
				{`[]`, rpc.CodeInvalidRequest},
				{`42`, rpc.CodeInvalidRequest},
			} {
				if _, err := c.Write(frame([]byte(tc.req))); err != nil {
					t.Fatal(err)
				}
				got, err := read(c.r)
				if err != nil {
					t.Fatalf("%s: %v", tc.req, err)
				}
				if code := errCode(t, got); code != tc.code {
					t.Fatalf("%s: code %d, want %d", tc.req, code, tc.code)
				}
			}
			if _, err := c.Write(frame([]byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":2,"b":3},"id":9}`))); err != nil {
				t.Fatal(err)
			}
			got, err := read(c.r)
			if err != nil || string(decodeReply(t, got).Result) != "5" {
				t.Fatalf("valid call after errors: %q, %v", got, err)
			}
		})
	}
}

// TestReactorByteAtATime writes texts one byte per write (each a separate
// segment with TCP_NODELAY): framing must not depend on read boundaries.
func TestReactorByteAtATime(t *testing.T) {
	s := newTestServer(t)
	texts := `{"jsonrpc":"2.0","method":"Echo.Echo","params":["a}b]\"{[","\\\"","\u007d"],"id":"x{"}` +
		` [{"jsonrpc":"2.0","method":"Arith.Add","params":[{"a":1,"b":2}],"id":1},` +
		`{"jsonrpc":"2.0","method":"Arith.Mul","params":{"b":3,"a":4},"id":2}]` + "\n" +
		`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":5,"b":6},"id":3}` + "\n"
	want := []string{
		`{"jsonrpc":"2.0","id":"x{","result":["a}b]\"{[","\\\"","\u007d"]}`,
		`[{"jsonrpc":"2.0","id":1,"result":3},{"jsonrpc":"2.0","id":2,"result":12}]`,
		`{"jsonrpc":"2.0","id":3,"result":11}`,
	}
	for _, framing := range []string{"stream", "header"} {
		t.Run(framing, func(t *testing.T) {
			var opts []rpc.TCPOption
			var input []byte
			read := readLine
			if framing == "header" {
				opts = append(opts, rpc.WithHeaderFraming())
				for _, l := range strings.Split(strings.ReplaceAll(texts, "} [", "}\n["), "\n") {
					if l != "" {
						input = append(input, frameHeader([]byte(l))...)
					}
				}
				read = readHeaderFrame
			} else {
				input = []byte(texts)
			}
			c := dialLine(t, startTCP(t, s, opts...).Addr().String())
			go func() {
				for i := range input {
					if _, err := c.Write(input[i : i+1]); err != nil {
						return
					}
				}
			}()
			// Echo.Echo runs on a worker, so replies may come in any order.
			got := make(map[string]bool)
			for range want {
				l, err := read(c.r)
				if err != nil {
					t.Fatal(err)
				}
				got[l] = true
			}
			for _, w := range want {
				if !got[w] {
					t.Errorf("missing reply %s; got %v", w, got)
				}
			}
		})
	}
}

// TestReactorBackpressure pipelines far more blocking calls than
// WithMaxInFlight allows on one connection: every call is answered, with
// its result or CodeServerBusy, and the connection stays usable.
func TestReactorBackpressure(t *testing.T) {
	s := newTestServer(t, rpc.WithMaxInFlight(2), rpc.WithWorkers(2))
	if err := s.RegisterMethod("Test.Sleep", func(n int, r *int) error {
		time.Sleep(time.Millisecond)
		*r = n
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := dialLine(t, startTCP(t, s).Addr().String())
	const n = 300
	var sb strings.Builder
	for i := range n {
		if i%50 == 49 { // a batch of blocking calls can exceed the limit by itself
			fmt.Fprintf(&sb, `[{"jsonrpc":"2.0","method":"Test.Sleep","params":[%d],"id":"b%d"},{"jsonrpc":"2.0","method":"Test.Sleep","params":[%d],"id":"c%d"},{"jsonrpc":"2.0","method":"Test.Sleep","params":[%d],"id":"d%d"}]`+"\n", i, i, i, i, i, i)
			continue
		}
		fmt.Fprintf(&sb, `{"jsonrpc":"2.0","method":"Test.Sleep","params":[%d],"id":%d}`+"\n", i, i)
	}
	go func() { _, _ = io.WriteString(c, sb.String()) }()
	answered, busy := 0, 0
	for range n {
		l := c.recv()
		var reps []reply
		if strings.HasPrefix(l, "[") {
			if err := jsonUnmarshal(l, &reps); err != nil {
				t.Fatal(err)
			}
		} else {
			reps = []reply{decodeReply(t, l)}
		}
		for _, r := range reps {
			switch {
			case r.Error != nil && r.Error.Code == rpc.CodeServerBusy:
				busy++
			case r.Error != nil:
				t.Fatalf("unexpected error %+v", *r.Error)
			case strings.Trim(string(r.ID), `"bcd`) != string(r.Result):
				t.Fatalf("id %s got result %s", r.ID, r.Result)
			default:
				answered++
			}
		}
	}
	if answered+busy != n+2*(n/50) || answered < n-n/50 {
		t.Fatalf("answered %d, busy %d", answered, busy)
	}
	if got := c.call(`{"jsonrpc":"2.0","method":"Test.Sleep","params":[7],"id":7}`); string(decodeReply(t, got).Result) != "7" {
		t.Fatalf("after the burst: %s", got)
	}
	t.Logf("%d answered, %d busy", answered, busy)
}

// TestReactorHandlerContextCancelled: the ctx of a blocking method ends
// when its client's connection closes, also while the connection is paused
// by WithMaxInFlight.
func TestReactorHandlerContextCancelled(t *testing.T) {
	for _, inflight := range []int{0, 1} {
		t.Run(fmt.Sprint("maxInFlight=", inflight), func(t *testing.T) {
			s := newTestServer(t, rpc.WithMaxInFlight(inflight))
			b := registerBlocker(t, s)
			ts := startTCP(t, s)
			c := dialLine(t, ts.Addr().String())
			c.send(`{"jsonrpc":"2.0","method":"Block.Wait","params":[1],"id":1}`)
			c.send(`{"jsonrpc":"2.0","method":"Block.Wait","params":[2],"id":2}`)
			wait(t, b.started, "the call to start")
			c.Close()
			wait(t, b.cancelled, "the handler's context to end")
			waitFor(t, "the connection to close", func() bool { return ts.TCP().NumConnections() == 0 })
		})
	}
}

// TestReactorShutdownDeliversInFlight: Shutdown lets a call in progress
// finish and its reply reach the client before the connection closes.
func TestReactorShutdownDeliversInFlight(t *testing.T) {
	s := newTestServer(t)
	b := registerBlocker(t, s)
	ts := startTCP(t, s)
	c := dialLine(t, ts.Addr().String())
	for i := range 3 {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"Block.Wait","params":[%d],"id":%d}`, i, i))
		wait(t, b.started, "the call to start")
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithGuard()
		defer cancel()
		done <- ts.Shutdown(ctx)
	}()
	// New connections are refused once Shutdown has begun.
	waitFor(t, "the listener to close", func() bool {
		nc, err := net.Dial("tcp", ts.Addr().String())
		if err == nil {
			nc.Close()
		}
		return err != nil
	})
	b.unblock()
	for range 3 {
		if r := decodeReply(t, c.recv()); r.Error != nil || string(r.ID) != string(r.Result) {
			t.Fatalf("in-flight reply: %+v", r)
		}
	}
	c.expectEOF()
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestReactorUserLoopInit: a tcp.WithLoopInit passed through
// WithTCPOptions replaces the transport's own; connections still work.
func TestReactorUserLoopInit(t *testing.T) {
	s := newTestServer(t)
	inits := make(chan struct{}, 4)
	ts := startTCP(t, s, rpc.WithTCPOptions(tcp.WithLoops(2), tcp.WithLoopInit(func(*reactor.EventLoop) { inits <- struct{}{} })))
	if len(inits) != 2 {
		t.Fatalf("%d loop inits", len(inits))
	}
	for range 4 { // over both loops
		c := dialLine(t, ts.Addr().String())
		if got := c.call(`{"jsonrpc":"2.0","method":"Arith.Add","params":[{"a":1,"b":2}],"id":1}`); got != `{"jsonrpc":"2.0","id":1,"result":3}` {
			t.Fatal(got)
		}
	}
}
