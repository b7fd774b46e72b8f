package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TestVerboseAccessLog: with -v every response, the router's 404 and 405
// and the server's own 400 included, gets one access-log line on standard
// error.
func TestVerboseAccessLog(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	h, opts, err := withAccessLog(NewRouter(), "stderr")
	os.Stderr = stderr
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	srv := http.NewServer(h, append(opts, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))...)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	base := "http://" + srv.Addr().String()
	// No Accept-Encoding: the byte counts are the bodies' own, not
	// their compressed sizes.
	cl := &nethttp.Client{Timeout: guard, Transport: &nethttp.Transport{DisableCompression: true}}
	defer cl.CloseIdleConnections()
	want := []string{
		"method=GET path=/plaintext status=200 bytes=13",
		"method=GET path=/json status=200 bytes=27",
		"method=GET path=/nope status=404",
		"method=POST path=/plaintext status=405",
		"method=\"\" path=\"\" status=400", // the server's own answer to a request without Host
	}
	for _, req := range []struct{ method, path string }{{"GET", "/plaintext"}, {"GET", "/json"}, {"GET", "/nope"}, {"POST", "/plaintext"}} {
		do(t, cl, req.method, base+req.path, "", nil)
	}
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_, _ = io.WriteString(nc, "GET / HTTP/1.1\r\n\r\n")
	if resp, err := nethttp.ReadResponse(bufio.NewReader(nc), nil); err != nil || resp.StatusCode != 400 {
		t.Fatalf("no Host: %v %v", resp, err)
	}
	_ = r.SetReadDeadline(time.Now().Add(guard)) // a failure guard
	sc := bufio.NewScanner(r)
	for _, wl := range want {
		if !sc.Scan() {
			t.Fatalf("log ended: %v", sc.Err())
		}
		line := sc.Text()
		if !strings.Contains(line, "level=INFO msg=http "+wl) || !strings.Contains(line, "peer=127.0.0.1:") {
			t.Errorf("line %q, want %q", line, wl)
		}
	}
}
