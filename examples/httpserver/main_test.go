package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// guard bounds a wait for something that must happen: a failure guard
// against a hang, generous because child processes start slowly on a
// loaded 2-core machine (15 s was not enough for the listening line at
// load 47), never a speed limit.
const guard = 60 * time.Second

const childEnv = "HTTPSERVER_TEST_CHILD"

func TestMain(m *testing.M) {
	// Run as the command itself, for the signal test.
	testproc.RunIfChild(childEnv, "httpserver", main)
	goleak.VerifyTestMain(m)
}

func start(t *testing.T) string {
	t.Helper()
	srv := http.NewServer(NewRouter(), http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + srv.Addr().String()
}

type result struct {
	*nethttp.Response
	body string
}

func do(t *testing.T, cl *nethttp.Client, method, url, ctype string, body io.Reader) result {
	t.Helper()
	req, err := nethttp.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp, string(b)}
}

// TestContract checks every bullet of the package documentation with Go's
// client.
func TestContract(t *testing.T) {
	base := start(t)
	tr := &nethttp.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}

	// GET and HEAD /plaintext: 200, text/plain, "Hello, World!"; HEAD: same
	// headers, no body.
	g := do(t, cl, "GET", base+"/plaintext", "", nil)
	if g.StatusCode != 200 || g.Header.Get("Content-Type") != "text/plain" || g.body != "Hello, World!" {
		t.Fatalf("GET /plaintext: %d %q %q", g.StatusCode, g.Header.Get("Content-Type"), g.body)
	}
	h := do(t, cl, "HEAD", base+"/plaintext", "", nil)
	if h.StatusCode != 200 || h.body != "" || h.ContentLength != 13 {
		t.Fatalf("HEAD /plaintext: %d %q CL %d", h.StatusCode, h.body, h.ContentLength)
	}
	for k := range g.Header {
		if k != "Date" && h.Header.Get(k) != g.Header.Get(k) {
			t.Fatalf("HEAD %s = %q, GET %q", k, h.Header.Get(k), g.Header.Get(k))
		}
	}

	// GET /json: 200, application/json, {"message":"Hello, World!"}.
	j := do(t, cl, "GET", base+"/json", "", nil)
	var m map[string]string
	if j.StatusCode != 200 || j.Header.Get("Content-Type") != "application/json" ||
		j.body != `{"message":"Hello, World!"}` || json.Unmarshal([]byte(j.body), &m) != nil || m["message"] != "Hello, World!" {
		t.Fatalf("GET /json: %d %q %q", j.StatusCode, j.Header.Get("Content-Type"), j.body)
	}

	// POST /echo: the body back, Content-Length or chunked, with the
	// request's Content-Type.
	for _, body := range []string{"", "x", strings.Repeat("echo me ", 5000)} {
		e := do(t, cl, "POST", base+"/echo", "application/x-test", strings.NewReader(body))
		if e.StatusCode != 200 || e.body != body || e.Header.Get("Content-Type") != "application/x-test" {
			t.Fatalf("POST /echo (%d bytes): %d %q, %d bytes back", len(body), e.StatusCode, e.Header.Get("Content-Type"), len(e.body))
		}
	}
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte("chunked "))
		_, _ = pw.Write([]byte("body"))
		_ = pw.Close()
	}()
	if e := do(t, cl, "POST", base+"/echo", "text/plain; charset=utf-8", pr); e.StatusCode != 200 ||
		e.body != "chunked body" || e.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("chunked POST /echo: %d %q %q", e.StatusCode, e.Header.Get("Content-Type"), e.body)
	}
	if e := do(t, cl, "POST", base+"/echo", "", strings.NewReader("untyped")); e.body != "untyped" || e.Header.Get("Content-Type") != "" {
		t.Fatalf("untyped POST /echo: %q %q", e.Header.Get("Content-Type"), e.body)
	}

	// Any other path: 404. A known path with another method: 405 with
	// Allow.
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "/plaintext/", 404, ""},
		{"GET", "/Plaintext", 404, ""},
		{"POST", "/nothing", 404, ""},
		{"POST", "/plaintext", 405, "GET, HEAD, OPTIONS"},
		{"DELETE", "/json", 405, "GET, HEAD, OPTIONS"},
		{"GET", "/echo", 405, "POST, OPTIONS"},
		{"PUT", "/echo", 405, "POST, OPTIONS"},
	} {
		r := do(t, cl, tc.method, base+tc.path, "", nil)
		if r.StatusCode != tc.status || r.Header.Get("Allow") != tc.allow {
			t.Fatalf("%s %s: %d Allow %q, want %d %q", tc.method, tc.path, r.StatusCode, r.Header.Get("Allow"), tc.status, tc.allow)
		}
	}
}

// TestContractRaw checks the same over a raw socket: pipelined GET, HEAD
// and a chunked POST, answered in order, HEAD without a body.
func TestContractRaw(t *testing.T) {
	base := start(t)
	nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(guard))
	_, err = io.WriteString(nc, "HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n"+
		"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	for _, want := range []struct{ method, body string }{
		{"HEAD", ""}, {"GET", "Hello, World!"}, {"POST", "abcd"}, {"GET", `{"message":"Hello, World!"}`},
	} {
		resp, err := nethttp.ReadResponse(br, &nethttp.Request{Method: want.method})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != want.body {
			t.Fatalf("%s: %d %q, want %q", want.method, resp.StatusCode, b, want.body)
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after Connection: close: %q %v", rest, err)
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"":              `""`,
		"Hello, World!": `"Hello, World!"`,
		`a"b\c`:         `"a\"b\\c"`,
		"tab\there\n":   `"tab\u0009here\u000a"`,
		"\x00\x1f":      `"\u0000\u001f"`,
		"héllo ✓":       `"héllo ✓"`,
		"bad \xff utf8": "\"bad \ufffd utf8\"",
		"cut \xe2\x9c":  "\"cut \ufffd\ufffd\"",
		"</script>\x7f": "\"</script>\x7f\"",
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%s is not valid JSON: %v", got, err)
		}
	}
}

// TestSignalDrains runs the command itself: it listens, serves, and on
// SIGTERM (and SIGINT) drains and exits 0.
func TestSignalDrains(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -loops 2")
		addr, ok := p.Addr(guard)
		if !ok {
			t.Fatal("no listening line from the command")
		}
		tr := &nethttp.Transport{}
		cl := &nethttp.Client{Transport: tr, Timeout: guard}
		// SIGINT goes out the moment the address is announced: the
		// command must already be catching it.
		if sig == syscall.SIGTERM {
			if r := do(t, cl, "GET", "http://"+addr+"/plaintext", "", nil); r.body != "Hello, World!" {
				t.Fatalf("GET: %q", r.body)
			}
		}
		p.Signal(t, sig)
		exited, err := p.Wait(guard)
		if !exited {
			t.Fatalf("%v: did not exit", sig)
		}
		if err != nil {
			t.Fatalf("%v: exit %v", sig, err)
		}
		tr.CloseIdleConnections()
	}
}
