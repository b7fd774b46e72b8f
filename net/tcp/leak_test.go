//go:build linux

package tcp

import (
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestNoLeaks: after servers and clients are closed, the process has the
// fds and goroutines it had before (goroutines are also checked for the
// whole package by TestMain).
func TestNoLeaks(t *testing.T) {
	defer goleak.VerifyNone(t)
	base := fdCount(t)

	for _, loops := range []int{0, 2} {
		rec := newRecorder()
		s := NewServer(WithLogger(quietLogger), WithLoops(loops))
		s.SetCallbacks(Callbacks{Connection: rec.onConnection, Message: echoMessage})
		if err := s.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		// Standard-library clients.
		for range 10 {
			c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, c, "hi")
			_ = c.SetReadDeadline(time.Now().Add(guard))
			if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
		}
		// A Client of this package, stopped while connected.
		crec := newRecorder()
		cl, err := NewClient(s.Addr().String(), WithLogger(quietLogger))
		if err != nil {
			t.Fatal(err)
		}
		cl.SetConnectionCallback(crec.onConnection)
		cl.Connect()
		recv(t, crec.up, "client up")
		// Some connections are still open when the server closes.
		var open []net.Conn
		for range 3 {
			c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, c)
		}
		for range 14 {
			recv(t, rec.up, "up")
		}
		cl.Stop()
		_ = s.Close()
		for _, c := range open {
			_ = c.Close()
		}
	}

	// A Client stopped before it ever connected.
	cl, err := NewClient("127.0.0.1:9", WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	cl.Stop()

	eventually(t, "fd count back to baseline", func() bool { return fdCount(t) <= base })
}
