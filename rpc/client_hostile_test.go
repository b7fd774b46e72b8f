package rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// fakeServer answers each request line with what answer returns for its
// id (nothing when it returns ""); a misbehaving server as an outside
// review wrote them.
func fakeServer(t *testing.T, answer func(id json.RawMessage, line string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				sc := bufio.NewScanner(nc)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					var req struct{ ID json.RawMessage }
					_ = json.Unmarshal(sc.Bytes(), &req)
					if out := answer(req.ID, sc.Text()); out != "" {
						if _, err := nc.Write([]byte(out + "\n")); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func dialFake(t *testing.T, addr string) *rpc.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// A reply the client can not read as a JSON-RPC response, or one with
// neither result nor error, fails the call at once rather than leaving it
// to its deadline.
func TestClientMalformedRepliesFailFast(t *testing.T) {
	for name, reply := range map[string]string{
		"code not a number": `{"jsonrpc":"2.0","id":ID,"error":{"code":"oops","message":"m"}}`,
		"trailing comma":    `{"jsonrpc":"2.0","id":ID,"result":5,}`,
		"not json":          `{not json at all}`,
		"neither":           `{"jsonrpc":"2.0","id":ID}`,
		"error null":        `{"jsonrpc":"2.0","id":ID,"error":null}`,
		"null id, no batch": `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`,
		"names are exact":   `{"jsonrpc":"2.0","Id":ID,"Result":5}`,
		"no id":             `{"jsonrpc":"2.0","result":5}`,
	} {
		t.Run(name, func(t *testing.T) {
			addr := fakeServer(t, func(id json.RawMessage, _ string) string {
				return strings.ReplaceAll(reply, "ID", string(id))
			})
			c := dialFake(t, addr)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var n int
			err := c.Call(ctx, "x", nil, &n)
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Call = %v, want an error at once", err)
			}
			if name == "neither" || name == "error null" {
				if !errors.Is(err, rpc.ErrInvalidResponse) {
					t.Fatalf("Call = %v, want ErrInvalidResponse", err)
				}
			}
		})
	}
}

// A batch reply that leaves out some calls fails those at once; the others
// get their results.
func TestClientBatchReplyMissingCalls(t *testing.T) {
	addr := fakeServer(t, func(_ json.RawMessage, line string) string {
		var reqs []struct{ ID int }
		if json.Unmarshal([]byte(line), &reqs) != nil || len(reqs) < 3 {
			return ""
		}
		return `[{"jsonrpc":"2.0","id":` + itoa(reqs[0].ID) + `,"result":1},{"jsonrpc":"2.0","id":` + itoa(reqs[2].ID) + `,"result":3}]`
	})
	c := dialFake(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := make([]int, 3)
	elems := []rpc.BatchElem{{Method: "a", Result: &res[0]}, {Method: "b", Result: &res[1]}, {Method: "c", Result: &res[2]}}
	if err := c.Batch(ctx, elems); err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if res[0] != 1 || res[2] != 3 || elems[0].Error != nil || elems[2].Error != nil || !errors.Is(elems[1].Error, rpc.ErrInvalidResponse) {
		t.Fatalf("results %v, errors %v %v %v", res, elems[0].Error, elems[1].Error, elems[2].Error)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A call whose deadline passes while its (large) reply is being decoded
// must not have reply written after Call returned: Call either returns the
// reply or returns early with reply untouched. Run under -race.
func TestClientCancelDoesNotRaceDecode(t *testing.T) {
	big := "[" + strings.Repeat("1,", 60000) + "1]"
	addr := fakeServer(t, func(id json.RawMessage, _ string) string {
		time.Sleep(2 * time.Millisecond)
		return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":` + big + `}`
	})
	c := dialFake(t, addr)
	for i := range 60 {
		var out []int
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+i%6)*time.Millisecond)
		err := c.Call(ctx, "x", nil, &out)
		cancel()
		n := len(out) // read right after Call returned: races with a late decode
		if err != nil && n != 0 {
			t.Fatalf("Call failed (%v) but reply was filled in (%d elements)", err, n)
		}
	}
}

// Close releases callers waiting for a connection, and fails calls in
// flight with ErrClientClosed.
func TestClientCloseReleasesEveryone(t *testing.T) {
	gate := make(chan struct{})
	addr := fakeServer(t, func(json.RawMessage, string) string { <-gate; return "" })
	defer close(gate)
	c := dialFake(t, addr)
	inflight := make(chan error, 1)
	go func() { inflight <- c.Call(context.Background(), "x", nil, nil) }()
	waitFor(t, "the call in flight", func() bool { return rpc.ClientPending(c) == 1 })
	_ = c.Close()
	if err := <-inflight; !errors.Is(err, rpc.ErrClientClosed) {
		t.Fatalf("call in flight at Close: %v, want ErrClientClosed", err)
	}

	// A client whose server is gone waits for a connection; Close ends
	// the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if nc, err := ln.Accept(); err == nil {
			_ = nc.Close()
		}
	}()
	c2 := dialFake(t, ln.Addr().String())
	_ = ln.Close()
	waitFor(t, "the connection to drop", func() bool { return !rpc.ClientConnected(c2) }) // reconnecting fails
	errs := make(chan error, 3)
	go func() { errs <- c2.Call(context.Background(), "x", nil, nil) }()
	go func() { errs <- c2.Notify(context.Background(), "x", nil) }()
	go func() { errs <- c2.Batch(context.Background(), []rpc.BatchElem{{Method: "x"}}) }()
	// All three are blocked waiting for a connection when Close comes (a
	// caller arriving after it would fail at once, not be woken).
	waitFor(t, "three callers blocked waiting for a connection", func() bool { return blockedIn("rpc.(*Client).waitUp") == 3 })
	_ = c2.Close()
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, rpc.ErrClientClosed) {
				t.Fatalf("waiting caller got %v, want ErrClientClosed", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Close left a caller waiting for a connection")
		}
	}
}

// Without reconnection, a client whose connection dropped fails new calls
// at once instead of waiting (for ever, with no deadline) for a
// connection that will not come.
func TestClientNoReconnectFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dialed := make(chan struct{})
	go func() {
		if nc, err := ln.Accept(); err == nil {
			<-dialed
			_ = nc.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ln.Addr().String(), rpc.WithReconnect(false))
	close(dialed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = ln.Close()
	// The server closed the connection: once the client has seen it, a
	// call fails at once (a call racing the drop could be sent, or find
	// no connection, instead).
	waitFor(t, "the client to see the drop", func() bool { return rpc.ClientGone(c) })
	done := make(chan error, 1)
	go func() { done <- c.Call(context.Background(), "x", nil, nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, rpc.ErrConnectionLost) {
			t.Fatalf("Call = %v, want ErrConnectionLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Call waits for a connection that will not come")
	}
}

// The HTTP client takes only a reply to its own call, accepts 202 for a
// notification, and an error without a message still reads as an error.
func TestHTTPClientReplies(t *testing.T) {
	var reply string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/notify" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		_, _ = io.WriteString(w, reply)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	ctx := context.Background()
	hc := rpc.NewHTTPClient(base+"/rpc", nil)
	var n int
	reply = `{"jsonrpc":"2.0","id":"someone-else","result":5}`
	if err := hc.Call(ctx, "x", nil, &n); !errors.Is(err, rpc.ErrInvalidResponse) {
		t.Fatalf("reply to another id: %v", err)
	}
	reply = `{"jsonrpc":"2.0","ID":1,"Result":5}`
	if err := hc.Call(ctx, "x", nil, &n); !errors.Is(err, rpc.ErrInvalidResponse) {
		t.Fatalf("member names in another case: %v", err)
	}
	reply = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000}}`
	if err := hc.Call(ctx, "x", nil, &n); err == nil || err.Error() == "" {
		t.Fatalf("error without message: %q", err)
	}
	reply = `{"jsonrpc":"2.0","id":1,"result":5}`
	if err := hc.Call(ctx, "x", nil, &n); err != nil || n != 5 {
		t.Fatalf("good reply: %d %v", n, err)
	}
	if err := rpc.NewHTTPClient(base+"/notify", nil).Notify(ctx, "x", nil); err != nil {
		t.Fatalf("202 to a notification: %v", err)
	}
}

// blockedIn counts the goroutines blocked in a select or on a channel
// inside the function named fn (as a stack trace spells it).
func blockedIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		blocked := strings.Contains(header, "[select") || strings.Contains(header, "[chan receive")
		if blocked && strings.Contains(g, fn+"(") {
			count++
		}
	}
	return count
}
