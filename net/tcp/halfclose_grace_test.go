//go:build linux

package tcp

import (
	"io"
	"testing"
	"time"
)

// TestHalfCloseGraceForcesClose: an owner whose HalfClose callback never
// calls Shutdown (it lost track of the answers it owed, or the peer left)
// does not keep the connection for ever: after HalfCloseGrace it is
// closed by force and the down callback runs. Only the lower bound of the
// wait is checked; load can only lengthen it.
func TestHalfCloseGraceForcesClose(t *testing.T) {
	halfClosed := make(chan time.Time, 1)
	down := make(chan struct{})
	s := startServer(t, Callbacks{
		HalfClose: func(*Conn) { halfClosed <- time.Now() }, // and never Shutdown
		Connection: func(c *Conn) {
			if !c.Connected() {
				close(down)
			}
		},
	})
	nc := dial(t, s)
	if err := nc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	at := recv(t, halfClosed, "the half-close callback")
	_ = nc.SetReadDeadline(time.Now().Add(guard))
	if b, err := io.ReadAll(nc); err != nil || len(b) != 0 {
		t.Fatalf("after the grace: %q, %v; want the connection closed", b, err)
	}
	if waited := time.Since(at); waited < HalfCloseGrace-20*time.Millisecond {
		t.Fatalf("closed %v after the half-close, before HalfCloseGrace (%v)", waited, HalfCloseGrace)
	}
	recv(t, down, "the down callback")
}
