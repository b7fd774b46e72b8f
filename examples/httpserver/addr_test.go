package main

import (
	"net"
	nethttp "net/http"
	"net/netip"
	"syscall"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// TestCommandListensOnNamesAndDualStack runs the command with the
// addresses net.Listen takes. Regression: "-addr localhost:8081" failed
// with "unable to parse IP", and "-addr :8082" bound IPv4 only.
func TestCommandListensOnNamesAndDualStack(t *testing.T) {
	get := func(url string) {
		t.Helper()
		tr := &nethttp.Transport{}
		defer tr.CloseIdleConnections()
		if r := do(t, &nethttp.Client{Transport: tr, Timeout: guard}, "GET", url, "", nil); r.body != "Hello, World!" {
			t.Fatalf("GET %s: %q", url, r.body)
		}
	}
	run := func(addrFlag string, check func(announced string)) {
		p := testproc.Start(t, childEnv, "-addr "+addrFlag+" -debug=false")
		addr, ok := p.Addr(guard)
		if !ok {
			t.Fatalf("-addr %s: no listening line", addrFlag)
		}
		check(addr)
		p.Signal(t, syscall.SIGTERM)
		if exited, err := p.Wait(guard); !exited || err != nil {
			t.Fatalf("-addr %s: exited %v, err %v", addrFlag, exited, err)
		}
	}
	run("localhost:0", func(addr string) { get("http://" + addr + "/plaintext") })

	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Log("no IPv6 loopback: dual-stack part skipped")
		return
	}
	l.Close()
	run(":0", func(addr string) {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || ap.Addr() != netip.IPv6Unspecified() {
			t.Fatalf("-addr :0 announced %q, want [::]:port as net.Listen", addr)
		}
		port := ap.Port()
		get("http://" + netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String() + "/plaintext")
		get("http://" + netip.AddrPortFrom(netip.IPv6Loopback(), port).String() + "/plaintext")
	})
}
