package rpc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// hostileText returns garbage of n random bytes whose first byte can not
// start a JSON text.
func hostileText(n int) []byte {
	rng := rand.New(rand.NewPCG(7, 11))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	for strings.IndexByte(" \t\r\n{[\"-0123456789tfn", b[0]) >= 0 {
		b[0] = byte(rng.Uint32())
	}
	return b
}

// TestReactorHostileInput sends input that leaves the stream unusable on
// connections of their own while a well-behaved client keeps calling on
// another: each hostile connection gets one error reply and is closed, and
// every call of the bystander succeeds.
func TestReactorHostileInput(t *testing.T) {
	s := newTestServer(t)
	addr := startTCP(t, s).Addr().String()
	by := startBystander(t, lineAdder(t, addr))
	by.progress(t)
	bigString := `{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":["` + strings.Repeat("x", 10<<20) + `"]}` + "\n"
	for _, tc := range []struct {
		name  string
		input []byte
		code  int
	}{
		{"deep array", []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"), rpc.CodeInvalidRequest},
		{"deep params", []byte(`{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":` + strings.Repeat(`{"a":`, 100000)), rpc.CodeInvalidRequest},
		{"10 MB string", []byte(bigString), rpc.CodeInvalidRequest},
		{"binary garbage", hostileText(4096), rpc.CodeParseError},
		{"stray brace", []byte("}\n"), rpc.CodeParseError},
		{"garbage after a call", []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":1},"id":1}` + "\n\x00\x01\x02"), rpc.CodeParseError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialLine(t, addr)
			if len(tc.input) > 1<<20 {
				// A failure bound only: the server reads 4 MiB before it
				// refuses, which under -race on a loaded machine (the
				// portable backend most of all) took longer than guard.
				_ = c.SetDeadline(time.Now().Add(4 * guard))
			}
			go func() { _, _ = c.Write(tc.input) }() // the server may close before it is all sent
			got := c.recv()
			if strings.HasPrefix(tc.name, "garbage after") { // the valid call first
				if string(decodeReply(t, got).Result) != "2" {
					t.Fatalf("call before the garbage: %s", got)
				}
				got = c.recv()
			}
			if code := errCode(t, got); code != tc.code {
				t.Fatalf("code %d, want %d: %.200s", code, tc.code, got)
			}
			c.expectEOF()
			by.progress(t)
		})
	}
}

// TestReactorHostileHeaderFraming: a header frame announcing more than
// MaxMessageSize is refused before its body is read; a bad header closes.
func TestReactorHostileHeaderFraming(t *testing.T) {
	s := newTestServer(t)
	addr := startTCP(t, s, rpc.WithHeaderFraming()).Addr().String()
	for _, tc := range []struct {
		input string
		code  int
	}{
		{"Content-Length: 10485760\r\n\r\n" + strings.Repeat("x", 1000), rpc.CodeInvalidRequest},
		{"Content-Type: x\r\n\r\n{}", rpc.CodeParseError}, // no Content-Length
		{"Content-Length: -1\r\n\r\n{}", rpc.CodeParseError},
	} {
		c := dialLine(t, addr)
		go func() { _, _ = io.WriteString(c, tc.input) }()
		got, err := readHeaderFrame(c.r)
		if err != nil {
			t.Fatalf("%q: %v", tc.input, err)
		}
		if code := errCode(t, got); code != tc.code {
			t.Fatalf("%q: code %d, want %d", tc.input, code, tc.code)
		}
		c.expectEOF()
	}
	// A too-deep body inside a well-formed frame is only a protocol error.
	c := dialLine(t, addr)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	go func() { _, _ = c.Write(frameHeader([]byte(deep))) }()
	got, err := readHeaderFrame(c.r)
	if err != nil || errCode(t, got) != rpc.CodeInvalidRequest {
		t.Fatalf("deep frame: %q, %v", got, err)
	}
	if _, err := c.Write(frameHeader([]byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":[{"a":1,"b":2}],"id":1}`))); err != nil {
		t.Fatal(err)
	}
	if got, err := readHeaderFrame(c.r); err != nil || string(decodeReply(t, got).Result) != "3" {
		t.Fatalf("after the deep frame: %q, %v", got, err)
	}
}

// rawPost sends one HTTP/1.1 POST of body to /rpc on a new connection, the
// body written concurrently (the server may answer before reading it all),
// and returns the status code and the response body.
func rawPost(t *testing.T, addr string, body []byte) (int, string) {
	t.Helper()
	c := dialLine(t, addr)
	go func() {
		fmt.Fprintf(c, "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		_, _ = c.Write(body)
	}()
	resp, err := nethttp.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHTTPHostileInput: hostile bodies are refused over HTTP while a
// well-behaved HTTPClient keeps calling.
func TestHTTPHostileInput(t *testing.T) {
	s := newTestServer(t)
	addr := startHTTP(t, s)
	hc := rpc.NewHTTPClient("http://"+addr+"/rpc", stdHTTPClient(t))
	by := startBystander(t, func(a, b int) (int, error) {
		var n int
		err := hc.Call(context.Background(), "Arith.Add", map[string]int{"a": a, "b": b}, &n)
		return n, err
	})
	by.progress(t)

	deep := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	status, body := rawPost(t, addr, deep)
	if status != 200 || errCode(t, body) != rpc.CodeInvalidRequest {
		t.Fatalf("deep array: %d %.200s", status, body)
	}
	by.progress(t)

	// 10 MB is over the HTTP server's body limit; 5 MB only over the
	// RPC message size limit. Either way: 413 (or a JSON error).
	for _, n := range []int{10 << 20, 5 << 20} {
		big := bytes.Repeat([]byte("x"), n)
		copy(big, `{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":["`)
		copy(big[n-3:], `"]}`)
		status, body := rawPost(t, addr, big)
		if status != 413 && (status != 200 || errCode(t, body) != rpc.CodeInvalidRequest) {
			t.Fatalf("%d byte body: %d %.200s", n, status, body)
		}
		by.progress(t)
	}

	status, body = rawPost(t, addr, hostileText(512))
	if status != 200 || errCode(t, body) != rpc.CodeParseError {
		t.Fatalf("garbage: %d %.200s", status, body)
	}
	by.progress(t)
}
