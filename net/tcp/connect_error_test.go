//go:build linux

package tcp

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestClientRefusedReportedAtOnce: without retry, a refused connect is
// reported at once, as net.Dial reports it (the address named, the errno
// wrapped), and the client stops trying. Regression: the connector retried
// for ever in silence, so a caller waited for its own timeout and saw
// "context deadline exceeded" instead of "connection refused".
func TestClientRefusedReportedAtOnce(t *testing.T) {
	addr := freePort(t)
	errs := make(chan error, 16)
	rec := newRecorder()
	c := newTestClient(t, addr, rec)
	c.SetConnectErrorCallback(func(err error) { errs <- err })
	c.Connect()
	err := recv(t, errs, "the refused connect's error")
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q: want one naming %s and wrapping ECONNREFUSED", err, addr)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" || op.Addr.String() != addr {
		t.Fatalf("error %#v is not net.Dial's *net.OpError for %s", err, addr)
	}
	if _, werr := net.Dial("tcp", addr); werr == nil || werr.Error() != err.Error() {
		t.Errorf("error %q, net.Dial's %q", err, werr)
	}
	var gaveUp bool
	onLoop(c.Loop(), func() { gaveUp = !c.connector.want.Load() && c.connector.state == connectorDisconnected })
	if !gaveUp {
		t.Fatal("the client still tries after a refused connect without retry")
	}
	// Connect tries again, and reports again.
	c.Connect()
	recv(t, errs, "the second attempt's error")
	if n := c.connector.Attempts.Load(); n != 2 {
		t.Fatalf("%d attempts for two Connects", n)
	}
}

// TestClientRetryReportsEveryAttempt: with retry, every failed attempt is
// reported (why the client is not connected yet) and it keeps trying.
func TestClientRetryReportsEveryAttempt(t *testing.T) {
	addr := freePort(t)
	errs := make(chan error, 16)
	c := newTestClient(t, addr, newRecorder(), WithRetry(true))
	c.SetConnectErrorCallback(func(err error) { errs <- err })
	c.Connect()
	for i := range 2 {
		if err := recv(t, errs, "a failed attempt"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
}

// TestClientImmediateErrorReported: a connect that fails inside connect(2)
// (the broadcast address) is reported too, naming the address.
func TestClientImmediateErrorReported(t *testing.T) {
	errs := make(chan error, 16)
	c := newTestClient(t, "255.255.255.255:9", newRecorder())
	c.SetConnectErrorCallback(func(err error) { errs <- err })
	c.Connect()
	err := recv(t, errs, "the error")
	var errno syscall.Errno
	if !errors.As(err, &errno) || !strings.Contains(err.Error(), "255.255.255.255:9") {
		t.Fatalf("error %q: want one naming the address and wrapping the errno", err)
	}
}
