package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// TestDebugEndpoints runs the command and checks what a soak tool or load
// balancer relies on: /healthz, /debug/vars with "muduo_http" and
// "goroutines", /debug/status and pprof, the contract routes unchanged,
// and /healthz answering 503 "draining" once SIGTERM has started the
// drain.
func TestDebugEndpoints(t *testing.T) {
	p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -loops 2")
	addr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no listening line from the command")
	}
	base := "http://" + addr
	tr := &nethttp.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}

	if r := do(t, cl, "GET", base+"/healthz", "", nil); r.StatusCode != 200 || r.body != "ok\n" {
		t.Fatalf("/healthz: %d %q", r.StatusCode, r.body)
	}
	for range 3 {
		do(t, cl, "GET", base+"/plaintext", "", nil)
	}
	if r := do(t, cl, "GET", base+"/nothing", "", nil); r.StatusCode != 404 {
		t.Fatalf("/nothing: %d", r.StatusCode)
	}
	r := do(t, cl, "GET", base+"/debug/vars", "", nil)
	var vars struct {
		Goroutines int `json:"goroutines"`
		HTTP       struct {
			Kind     string    `json:"kind"`
			Requests uint64    `json:"requests"`
			Classes  [5]uint64 `json:"responses_by_class"`
			Open     int64     `json:"connections_open"`
			Loops    []struct {
				Loop string `json:"loop"`
			} `json:"tcp_loops"`
		} `json:"muduo_http"`
	}
	if err := json.Unmarshal([]byte(r.body), &vars); err != nil {
		t.Fatalf("/debug/vars: %v: %.300s", err, r.body)
	}
	h := vars.HTTP
	if vars.Goroutines < 2 || h.Kind != "muduo-http" || h.Requests != 6 || h.Classes != [5]uint64{0, 4, 0, 1, 0} ||
		h.Open != 1 || len(h.Loops) != 2 {
		t.Fatalf("/debug/vars: %+v", vars)
	}
	if r := do(t, cl, "GET", base+"/debug/status", "", nil); r.StatusCode != 200 ||
		!strings.Contains(r.body, `id="requests-total"`) || !strings.Contains(r.body, `"muduo_http"`) {
		t.Fatalf("/debug/status: %d %.300s", r.StatusCode, r.body)
	}
	if r := do(t, cl, "GET", base+"/debug/pprof/heap", "", nil); r.StatusCode != 200 || !strings.HasPrefix(r.body, "\x1f\x8b") {
		t.Fatalf("/debug/pprof/heap: %d", r.StatusCode)
	}

	// A keep-alive connection asks for /healthz until the drain shows.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(guard))
	br := bufio.NewReader(nc)
	check := func() (int, string) {
		t.Helper()
		if _, err := io.WriteString(nc, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := nethttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := check(); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	tr.CloseIdleConnections()
	p.Signal(t, syscall.SIGTERM)
	for {
		st, body := check()
		if st == 200 {
			time.Sleep(2 * time.Millisecond) // the signal is on its way
			continue
		}
		if st != 503 || body != "draining\n" {
			t.Fatalf("during the drain: %d %q", st, body)
		}
		break
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the 503: %v, want EOF", err)
	}
	exited, err := p.Wait(guard)
	if !exited {
		t.Fatal("did not exit")
	}
	if err != nil {
		t.Fatalf("exit: %v", err)
	}
}
