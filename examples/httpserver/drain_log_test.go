package main

import (
	nethttp "net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// TestSignalLogsDrain: on SIGTERM the command logs "draining" with the
// open connections, then "drained" when done, then exits 0. Regression: it
// drained for up to 10 s without a line.
func TestSignalLogsDrain(t *testing.T) {
	p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -debug=false")
	addr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no listening line from the command")
	}
	tr := &nethttp.Transport{}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}
	// One keep-alive connection stays open, idle, into the drain.
	if r := do(t, cl, "GET", "http://"+addr+"/plaintext", "", nil); r.body != "Hello, World!" {
		t.Fatalf("GET: %q", r.body)
	}
	p.Signal(t, syscall.SIGTERM)
	line, ok := p.WaitLog("httpserver: draining", guard)
	if !ok {
		t.Fatal(`no "httpserver: draining" line after SIGTERM`)
	}
	if !strings.Contains(line, "connections=1") || !strings.Contains(line, "signal=terminated") {
		t.Errorf("draining line %q: want the signal and connections=1", line)
	}
	if _, ok := p.WaitLog("httpserver: drained", guard); !ok {
		t.Fatal(`no "httpserver: drained" line`)
	}
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exited %v, err %v", exited, err)
	}
}
