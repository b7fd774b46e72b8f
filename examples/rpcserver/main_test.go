package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	stdrpc "net/rpc"
	"net/rpc/jsonrpc"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// guard bounds a wait for something that must happen: a failure guard
// against a hang, generous because child processes start slowly on a
// loaded 2-core machine, never a speed limit.
const guard = 60 * time.Second

const childEnv = "RPCSERVER_TEST_CHILD"

func TestMain(m *testing.M) {
	// Run as the command itself, for the signal test.
	testproc.RunIfChild(childEnv, "rpcserver", main)
	goleak.VerifyTestMain(m)
}

// startApp runs main's wiring on free ports; tcp or http "" skips one.
func startApp(t *testing.T, tcpAddr, httpAddr string) *app {
	t.Helper()
	a, err := start(tcpAddr, httpAddr, 2, false, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		a.shutdown(ctx)
	})
	return a
}

// compact strips insignificant whitespace.
func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("invalid JSON %q: %v", s, err)
	}
	return b.String()
}

type response struct {
	ID     json.RawMessage
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
	}
}

// contract is every request the package documentation promises an answer
// for, and the answer (compacted; "" for none).
var contract = []struct{ req, want string }{
	{`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":7,"b":8},"id":1}`, `{"jsonrpc":"2.0","id":1,"result":15}`},
	{`{"jsonrpc":"2.0","method":"Arith.Add","params":{"b":8,"a":7},"id":2}`, `{"jsonrpc":"2.0","id":2,"result":15}`},
	{`{"jsonrpc":"2.0","method":"Arith.Mul","params":[{"b":8,"a":7}],"id":3}`, `{"jsonrpc":"2.0","id":3,"result":56}`},
	{`{"id":4,"jsonrpc":"2.0","params":[{"a":17,"b":5}],"method":"Arith.Div"}`, `{"jsonrpc":"2.0","id":4,"result":3}`},
	{`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":-7,"b":2},"id":5}`, `{"jsonrpc":"2.0","id":5,"result":-3}`},
	{`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":1,"b":0},"id":6}`, "divzero"},
	{`{"jsonrpc":"2.0","method":"Echo.Echo","params":{"x":[1, "two", {"three": true, "n": 12345678901234567890123, "f": 1.50e+2, "s": "\u00e9\"\/"}], "e": {}, "z": null},"id":7}`,
		`{"jsonrpc":"2.0","id":7,"result":{"x":[1,"two",{"three":true,"n":12345678901234567890123,"f":1.50e+2,"s":"\u00e9\"\/"}],"e":{},"z":null}}`},
	{`{"jsonrpc":"2.0","method":"Echo.Echo","params":[ [ ], [[["deep"]]] ],"id":8}`, `{"jsonrpc":"2.0","id":8,"result":[[],[[["deep"]]]]}`},
	{`{"jsonrpc":"2.0","method":"Echo.Echo","params":[42]}`, ""},
	{`{"method":"Arith.Add","params":[{"a":1,"b":2}],"id":9}`, `{"id":9,"result":3,"error":null}`},
}

func checkContract(t *testing.T, i int, got string) {
	t.Helper()
	want := contract[i].want
	if want != "divzero" {
		if compact(t, got) != want {
			t.Errorf("%s\n got %s\nwant %s", contract[i].req, got, want)
		}
		return
	}
	var r response
	if err := json.Unmarshal([]byte(got), &r); err != nil || r.Error == nil || r.Result != nil {
		t.Fatalf("Div by zero: %s (%v)", got, err)
	}
	if r.Error.Message != "division by zero" || -32768 <= r.Error.Code && r.Error.Code <= -32000 {
		t.Errorf("Div by zero: code %d message %q", r.Error.Code, r.Error.Message)
	}
}

// TestContractTCP: newline-delimited and concatenated texts, one reply line
// each (none for the notification).
func TestContractTCP(t *testing.T) {
	a := startApp(t, "127.0.0.1:0", "")
	for _, sep := range []string{"\n", "", " \r\n\t"} {
		conn, err := net.Dial("tcp", a.ts.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(guard))
		var all strings.Builder
		for _, c := range contract {
			all.WriteString(c.req + sep)
		}
		all.WriteString(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":0,"b":0},"id":"last"}` + sep)
		if _, err := io.WriteString(conn, all.String()); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		got := make(map[string]string) // by id: Echo.Echo replies come from a worker, in any order
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("sep %q: %v", sep, err)
			}
			if strings.Count(l, "\n") != 1 || strings.Contains(l, "\r") {
				t.Fatalf("reply is not one line: %q", l)
			}
			var resp response
			if err := json.Unmarshal([]byte(l), &resp); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			got[string(resp.ID)] = strings.TrimSuffix(l, "\n")
			if len(got) == len(contract) { // every call, the notification excepted, and "last"
				break
			}
		}
		for i, c := range contract {
			if c.want != "" {
				var req struct{ ID json.RawMessage }
				_ = json.Unmarshal([]byte(c.req), &req)
				checkContract(t, i, got[string(req.ID)])
			}
		}
		if _, ok := got[`"last"`]; !ok {
			t.Fatalf("sep %q: replies %v", sep, got)
		}
	}

	// Go's JSON-RPC 1.0 client works unchanged.
	conn, err := net.Dial("tcp", a.ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cl := jsonrpc.NewClient(conn)
	defer cl.Close()
	var n int
	if err := cl.Call("Arith.Mul", map[string]int{"a": 6, "b": 7}, &n); err != nil || n != 42 {
		t.Fatalf("net/rpc Mul = %d, %v", n, err)
	}
	if err := cl.Call("Arith.Div", map[string]int{"a": 6, "b": 0}, &n); err == nil || err.(stdrpc.ServerError) != "division by zero" {
		t.Fatalf("net/rpc Div by zero: %v", err)
	}
}

// TestContractHTTP: POST /rpc answers 200 application/json or 204 with no
// body; GET and other methods 405 with Allow: POST.
func TestContractHTTP(t *testing.T) {
	a := startApp(t, "", "127.0.0.1:0")
	url := "http://" + a.hs.Addr().String() + "/rpc"
	tr := &nethttp.Transport{}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}
	do := func(method, body string) (*nethttp.Response, string) {
		req, err := nethttp.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	for i, c := range contract {
		resp, body := do("POST", c.req)
		if c.want == "" {
			if resp.StatusCode != 204 || body != "" || resp.Header.Get("Content-Length") != "" {
				t.Fatalf("notification: %d %v %q", resp.StatusCode, resp.Header, body)
			}
			continue
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %v", c.req, resp.StatusCode, resp.Header)
		}
		checkContract(t, i, body)
	}
	resp, body := do("POST", `[{"jsonrpc":"2.0","method":"Echo.Echo","params":[1]},{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":1}}]`)
	if resp.StatusCode != 204 || body != "" {
		t.Fatalf("batch of notifications: %d %q", resp.StatusCode, body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE", "PATCH"} {
		resp, _ := do(m, "")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
			t.Fatalf("%s: %d, Allow %q", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}

	// The same on the wire: no Content-Length, no body on a 204.
	conn, err := net.Dial("tcp", a.hs.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(guard))
	note := `{"jsonrpc":"2.0","method":"Echo.Echo","params":[42]}`
	fmt.Fprintf(conn, "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%sGET /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", len(note), note)
	raw, _ := io.ReadAll(conn)
	first, rest, _ := strings.Cut(string(raw), "\r\n\r\n")
	if !strings.HasPrefix(first, "HTTP/1.1 204 ") || strings.Contains(strings.ToLower(first), "content-length") {
		t.Fatalf("raw 204: %q", first)
	}
	if !strings.HasPrefix(rest, "HTTP/1.1 405 ") || !strings.Contains(rest, "\r\nAllow: POST\r\n") {
		t.Fatalf("raw GET after the 204: %q", rest)
	}
}

// TestSignalDrains runs the command itself with both transports on free
// ports; SIGTERM and SIGINT shut it down and it exits 0.
func TestSignalDrains(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := testproc.Start(t, childEnv, "-tcp 127.0.0.1:0 -http 127.0.0.1:0 -loops 1")
		for range 2 { // TCP, then HTTP
			addr, ok := p.Addr(0)
			if !ok {
				t.Fatal("the command did not report its addresses")
			}
			conn, err := net.DialTimeout("tcp", addr, guard)
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
		}
		p.Signal(t, sig)
		exited, err := p.Wait(guard)
		if !exited {
			t.Fatalf("%v: still running", sig)
		}
		if err != nil {
			t.Fatalf("%v: exit %v", sig, err)
		}
	}
}
