package main

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// The client's checks all pass against a server wired like
// examples/rpcserver, over TCP (with the batch) and over HTTP.
func TestClientAgainstServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := testrpc.Demo(t)
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv)
	defer ts.Close()
	hs := testrpc.ServeHTTP(t, srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := rpc.Dial(ctx, ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !run(ctx, "tcp", c) {
		t.Error("a TCP check failed (see output)")
	}
	if !batch(ctx, c) {
		t.Error("the TCP batch check failed")
	}
	hc := rpc.NewHTTPClient("http://"+hs.Addr().String()+"/rpc", nil)
	if !run(ctx, "http", hc) {
		t.Error("an HTTP check failed (see output)")
	}
}

const childEnv = "RPCCLIENT_TEST_CHILD"

func TestMain(m *testing.M) {
	// Run as the command itself, for the tests that watch it from outside.
	testproc.RunIfChild(childEnv, "rpcclient", main)
	os.Exit(m.Run())
}

// TestCommandSaysRefused runs the command with nothing listening: it says
// it is connecting and that the connection was refused, and exits 1.
// Regression: it waited 10 s and printed "context deadline exceeded".
func TestCommandSaysRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	out, err := testproc.Run(t, childEnv, "-tcp "+addr+" -http=", 30*time.Second)
	if err == nil {
		t.Fatalf("exit 0 with no server; output:\n%s", out)
	}
	for _, want := range []string{"rpcclient: connecting to " + addr, "connect: connection refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "deadline exceeded") {
		t.Errorf("a refused connect reported as a timeout:\n%s", out)
	}
}

// TestCommandSaysConnected: against a server, the command says connecting,
// then connected, then prints its calls and exits 0.
func TestCommandSaysConnected(t *testing.T) {
	srv := testrpc.Demo(t)
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv)
	defer ts.Close()
	addr := ts.Addr().String()
	out, err := testproc.Run(t, childEnv, "-tcp "+addr+" -http=", 30*time.Second)
	if err != nil {
		t.Fatalf("exit %v; output:\n%s", err, out)
	}
	i := strings.Index(out, "rpcclient: connecting to "+addr)
	j := strings.Index(out, "rpcclient: connected to "+addr)
	k := strings.Index(out, "tcp batch")
	if i < 0 || j < i || k < j {
		t.Fatalf("want connecting, connected, then the calls; output:\n%s", out)
	}
}
