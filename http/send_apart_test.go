package http

import (
	"bufio"
	"net"
	"syscall"
	"testing"
	"time"
)

// serverBytesIn is how many bytes s's loops have read from their sockets
// (every loop publishes its count first: see tcp.Server.Stats).
func serverBytesIn(s *Server) uint64 {
	var n uint64
	for _, l := range s.tcp.Stats() {
		n += l.BytesIn
	}
	return n
}

// sendApart sends parts one write each and, after each but the last,
// waits until the server has read every byte sent so far. The next part
// is written only then, so it can not share a read with the ones before:
// the parser's resume path the test is named for runs for certain, and
// the test fails (after guard) if the server never reads a part, instead
// of passing with the parts coalesced. The server must have no other
// client sending meanwhile (its read count is the server's total).
func (c *client) sendApart(s *Server, parts ...string) {
	c.t.Helper()
	base := serverBytesIn(s)
	sent := uint64(0)
	for i, p := range parts {
		c.send(p)
		sent += uint64(len(p))
		if i == len(parts)-1 {
			break
		}
		deadline := time.Now().Add(guard)
		for serverBytesIn(s) < base+sent {
			if time.Now().After(deadline) {
				c.t.Fatalf("the server read %d of the %d bytes sent before part %d", serverBytesIn(s)-base, sent, i+1)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
}

var _ testing.TB = goroutineTB{}

// dialSmallWindow is dial with a fixed 256 KiB receive buffer set before
// the connect: the kernel does not autotune it, so a client that does not
// read holds the server back after a few MiB at most (its send buffer,
// the window and the server's output queue), and tests that need a
// waiting writer move little data, which keeps them well inside guard
// under -race on a loaded machine.
func dialSmallWindow(t testing.TB, s *Server) *client {
	t.Helper()
	d := net.Dialer{Timeout: guard, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = setReceiveBuffer(fd, 256<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	nc, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}
