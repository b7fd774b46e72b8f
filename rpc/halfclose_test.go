package rpc_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
)

// A client that sends its calls and half-closes (printf ... | nc -N) gets
// every reply, including those of blocking methods that finish on a worker
// after the FIN arrived; then the connection closes.
func TestHalfClosingClientGetsWorkerReplies(t *testing.T) {
	srv := testrpc.Demo(t)
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv)
	defer ts.Close()
	nc, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := `{"jsonrpc":"2.0","method":"Echo.Echo","params":[1,2],"id":1}` + "\n" +
		`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":2}` + "\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = nc.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"jsonrpc":"2.0","id":1,"result":[1,2]}`, `{"jsonrpc":"2.0","id":2,"result":3}`} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("reply %s missing from %q", want, out)
		}
	}
}
