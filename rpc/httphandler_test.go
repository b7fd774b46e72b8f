package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// TestGoldenHTTP posts every golden request to the HTTP transport: a
// response is 200 application/json, no response is 204 with no body and
// no Content-Length.
func TestGoldenHTTP(t *testing.T) {
	for _, f := range goldenFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := newTestServer(t)
			url := "http://" + startHTTP(t, s) + "/rpc"
			cl := stdHTTPClient(t)
			for _, c := range loadGolden(t, f) {
				where := f + ":" + strconv.Itoa(c.line)
				resp, err := cl.Post(url, rpc.ContentType, strings.NewReader(c.req))
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if c.resp == "" {
					if resp.StatusCode != 204 || len(body) != 0 || resp.Header.Get("Content-Length") != "" {
						t.Errorf("%s: notification answered %d %v %q", where, resp.StatusCode, resp.Header, body)
					}
					continue
				}
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != rpc.ContentType {
					t.Errorf("%s: status %d, Content-Type %q", where, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				checkResponse(t, where, c.resp, string(body))
			}
		})
	}
}

// TestHTTPRawSemantics checks the wire format with a raw socket: 204
// without Content-Length or body (the next pipelined response must parse),
// and 405 with Allow: POST for other methods.
func TestHTTPRawSemantics(t *testing.T) {
	s := newTestServer(t)
	c := dialLine(t, startHTTP(t, s))
	post := func(body string) string {
		return fmt.Sprintf("POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	// Pipelined: a notification (inline), a notification batch (worker),
	// a GET, a call.
	_, err := io.WriteString(c, post(`{"jsonrpc":"2.0","method":"Arith.Add","params":[{"a":1,"b":2}]}`)+
		post(`[{"jsonrpc":"2.0","method":"Echo.Echo","params":[1]},{"jsonrpc":"2.0","method":"sum","params":[1]}]`)+
		"GET /rpc HTTP/1.1\r\nHost: x\r\n\r\n"+
		post(`{"jsonrpc":"2.0","method":"Echo.Echo","params":{"b":[1,{"c":null}]},"id":"e"}`))
	if err != nil {
		t.Fatal(err)
	}
	head := func() (status string, hdr map[string]string) {
		status = strings.TrimRight(c.recv(), "\r")
		hdr = make(map[string]string)
		for {
			l := strings.TrimRight(c.recv(), "\r")
			if l == "" {
				return status, hdr
			}
			k, v, _ := strings.Cut(l, ":")
			hdr[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	for i := range 2 {
		status, hdr := head()
		if status != "HTTP/1.1 204 No Content" || hdr["content-length"] != "" || hdr["transfer-encoding"] != "" {
			t.Fatalf("notification %d: %s %v", i, status, hdr)
		}
	}
	status, hdr := head()
	if status != "HTTP/1.1 405 Method Not Allowed" || hdr["allow"] != "POST" {
		t.Fatalf("GET: %s %v", status, hdr)
	}
	n, _ := strconv.Atoi(hdr["content-length"])
	if _, err := io.ReadFull(c.r, make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	status, hdr = head()
	if status != "HTTP/1.1 200 OK" || hdr["content-type"] != rpc.ContentType {
		t.Fatalf("call: %s %v", status, hdr)
	}
	n, _ = strconv.Atoi(hdr["content-length"])
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		t.Fatal(err)
	}
	if want := `{"jsonrpc":"2.0","id":"e","result":{"b":[1,{"c":null}]}}`; string(body) != want {
		t.Fatalf("call: %s, want %s", body, want)
	}
}

// TestHTTPClient runs rpc.HTTPClient against the HTTP transport.
func TestHTTPClient(t *testing.T) {
	s := newTestServer(t)
	notified := make(chan int, 1)
	if err := s.RegisterMethod("Test.Note", func(n int, _ *struct{}) error { notified <- n; return nil }); err != nil {
		t.Fatal(err)
	}
	url := "http://" + startHTTP(t, s) + "/rpc"
	hc := rpc.NewHTTPClient(url, stdHTTPClient(t))
	ctx := context.Background()

	var n int
	if err := hc.Call(ctx, "Arith.Add", demo.Args{A: 7, B: 8}, &n); err != nil || n != 15 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if err := hc.Call(ctx, "Arith.Mul", []demo.Args{{A: 7, B: 8}}, &n); err != nil || n != 56 {
		t.Fatalf("Mul = %d, %v", n, err)
	}
	var e *rpc.Error
	if err := hc.Call(ctx, "Arith.Div", demo.Args{A: 1, B: 0}, &n); !errors.As(err, &e) || e.Message != "division by zero" || e.Code != rpc.CodeApplicationError {
		t.Fatalf("Div by zero: %#v", err)
	}
	if err := hc.Call(ctx, "No.Such", nil, nil); !errors.As(err, &e) || e.Code != rpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %#v", err)
	}
	if err := hc.Call(ctx, "Arith.Add", map[string]string{"a": "x"}, &n); !errors.As(err, &e) || e.Code != rpc.CodeInvalidParams {
		t.Fatalf("bad params: %#v", err)
	}
	if err := hc.Call(ctx, "Test.Coded", nil, nil); !errors.As(err, &e) || e.Code != 42 || fmt.Sprintf("%s", e.Data) != `{"x":1}` {
		t.Fatalf("coded error: %#v", err)
	}
	var echoed map[string]any
	if err := hc.Call(ctx, "Echo.Echo", map[string]any{"x": []any{1, "two"}}, &echoed); err != nil || fmt.Sprint(echoed) != "map[x:[1 two]]" {
		t.Fatalf("Echo = %v, %v", echoed, err)
	}
	if err := hc.Notify(ctx, "Test.Note", []int{42}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if got := <-notified; got != 42 {
		t.Fatalf("notified %d", got)
	}

	// Many goroutines, inline and worker methods, on pooled connections.
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				var got []int
				if err := hc.Call(ctx, "Echo.Echo", []int{g, i}, &got); err != nil || len(got) != 2 || got[0] != g || got[1] != i {
					errs <- fmt.Errorf("Echo(%d,%d) = %v, %v", g, i, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Transport errors: not JSON-RPC at that URL, a cancelled context.
	bad := rpc.NewHTTPClient(strings.TrimSuffix(url, "/rpc")+"/nope", stdHTTPClient(t))
	if err := bad.Call(ctx, "Arith.Add", demo.Args{}, &n); err == nil || errors.As(err, &e) {
		t.Fatalf("404 URL: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := hc.Call(cctx, "Arith.Add", demo.Args{}, &n); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
