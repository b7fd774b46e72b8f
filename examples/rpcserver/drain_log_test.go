package main

import (
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

// TestSignalLogsDrain: on SIGINT the command logs "draining" with each
// transport's open connections, then "drained", then exits 0. Regression:
// it shut down without a line.
func TestSignalLogsDrain(t *testing.T) {
	p := testproc.Start(t, childEnv, "-tcp 127.0.0.1:0 -http 127.0.0.1:0 -debug=false")
	tcpAddr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("the command did not report its TCP address")
	}
	if _, ok := p.Addr(guard); !ok {
		t.Fatal("the command did not report its HTTP address")
	}
	// One TCP client with a call answered, so the server holds its
	// connection, and stays connected into the drain; it leaves when the
	// server half-closes.
	conn, err := net.DialTimeout("tcp", tcpAddr, guard)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"Arith.Add","params":{"a":1,"b":2}}` + "\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	if n, err := conn.Read(buf); err != nil || !strings.Contains(string(buf[:n]), `"result":3`) {
		t.Fatalf("call: %q, %v", buf[:n], err)
	}
	p.Signal(t, syscall.SIGINT)
	line, ok := p.WaitLog("rpcserver: draining", guard)
	if !ok {
		t.Fatal(`no "rpcserver: draining" line after SIGINT`)
	}
	if !strings.Contains(line, "tcp_connections=1") || !strings.Contains(line, "http_connections=0") || !strings.Contains(line, "signal=interrupt") {
		t.Errorf("draining line %q: want the signal, tcp_connections=1, http_connections=0", line)
	}
	go func() { // the client leaves once the server half-closes
		for {
			if _, err := conn.Read(buf); err != nil {
				conn.Close()
				return
			}
		}
	}()
	if _, ok := p.WaitLog("rpcserver: drained", guard); !ok {
		t.Fatal(`no "rpcserver: drained" line`)
	}
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exited %v, err %v", exited, err)
	}
}
