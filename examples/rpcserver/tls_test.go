package main

import (
	"bufio"
	"crypto/tls"
	"io"
	nethttp "net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// TestTLSSelfSignedBothTransports: with -tls-self-signed the TCP stream is
// JSON-RPC over TLS and the HTTP address is HTTPS.
func TestTLSSelfSignedBothTransports(t *testing.T) {
	p := testproc.Start(t, childEnv, "-tcp 127.0.0.1:0 -http 127.0.0.1:0 -debug=false -tls-self-signed")
	if _, ok := p.WaitLog("self-signed certificate", guard); !ok {
		t.Fatal("no fingerprint line")
	}
	tcpAddr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no TCP address")
	}
	httpAddr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no HTTP address")
	}
	cfg := &tls.Config{InsecureSkipVerify: true}
	c, err := tls.Dial("tcp", tcpAddr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(guard))
	_, _ = io.WriteString(c, `{"jsonrpc":"2.0","id":1,"method":"Arith.Add","params":{"a":1,"b":2}}`+"\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != `{"jsonrpc":"2.0","id":1,"result":3}`+"\n" {
		t.Fatalf("TCP over TLS: %q %v", line, err)
	}
	tr := &nethttp.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	resp, err := (&nethttp.Client{Transport: tr, Timeout: guard}).Post("https://"+httpAddr+"/rpc", "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"Arith.Mul","params":{"a":3,"b":4}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `{"jsonrpc":"2.0","id":2,"result":12}` || resp.TLS == nil {
		t.Fatalf("HTTPS: %q", b)
	}
	p.Signal(t, syscall.SIGTERM)
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exit: %v %v", exited, err)
	}
}
