package main

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
)

const childEnv = "PINGPONG_TEST_CHILD"

// guard bounds a run of the command; a failure guard, not a speed test.
const guard = 60 * time.Second

func TestMain(m *testing.M) {
	// Run as the command itself, for the tests that watch it from outside.
	testproc.RunIfChild(childEnv, "pingpong", main)
	os.Exit(m.Run())
}

// TestCommandSaysWhyConnectionsFailed runs the client against a closed
// port with a connect timeout of an hour: it must say at once how many
// connections are up and why the others failed. Regression: it was silent
// for 10 s, then said "0 of 100 connections up".
func TestCommandSaysWhyConnectionsFailed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	out, err := testproc.Run(t, childEnv, "-mode client -addr "+addr+" -conns 5 -size 16 -duration 1s -connect-timeout 1h", guard)
	if err == nil {
		t.Fatalf("exit 0 with no server; output:\n%s", out)
	}
	for _, want := range []string{"pingpong: connecting", "0 of 5 connections up; 5 failed", "connect: connection refused", addr} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCommandSaysConnected: against a server, the client says it is
// connecting, then connected, then prints its result line.
func TestCommandSaysConnected(t *testing.T) {
	srv, err := StartServer("127.0.0.1:0", 0, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out, err := testproc.Run(t, childEnv, "-mode client -addr "+srv.Addr().String()+" -conns 3 -size 64 -duration 200ms", guard)
	if err != nil {
		t.Fatalf("exit %v; output:\n%s", err, out)
	}
	iConnecting := strings.Index(out, "pingpong: connecting")
	iConnected := strings.Index(out, "pingpong: connected")
	iResult := strings.Index(out, "pingpong: conns=3 size=64")
	if iConnecting < 0 || iConnected < iConnecting || iResult < iConnected {
		t.Fatalf("want connecting, connected, then the result line; output:\n%s", out)
	}
}
