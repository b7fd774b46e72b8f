//go:build linux

package tcp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestTLSSendvAndAccessors: Sendv on a TLS connection sends its slices in
// order, small ones coalesced into one record and a large set record by
// record; IsTLS, Server.TLS and TLSStats tell a TLS server from a plain
// one.
func TestTLSSendvAndAccessors(t *testing.T) {
	big1, big2 := pattern(40<<10, 1), pattern(40<<10, 2)
	isTLS := make(chan bool, 1)
	cfg := serverTLS(t)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if !c.Connected() {
				return
			}
			isTLS <- c.IsTLS()
			_ = c.Sendv([]byte("a"), []byte("bc"), []byte("def"))
			_ = c.Sendv(big1, big2) // over one record's worth: slice by slice
		},
	}, WithTLS(cfg))
	if s.TLS() == nil {
		t.Fatal("Server.TLS() is nil with WithTLS")
	}
	c := dialTLS(t, s, clientTLS(t, 0))
	defer c.Close()
	if !recv(t, isTLS, "up callback") {
		t.Fatal("IsTLS false on a TLS connection")
	}
	want := append([]byte("abcdef"), big1...)
	want = append(want, big2...)
	got := make([]byte, len(want))
	_ = c.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes differ at %d", firstDiff(got, want))
	}

	plainUp := make(chan bool, 1)
	p := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			plainUp <- c.IsTLS()
		}
	}})
	if p.TLS() != nil || p.TLSStats() != (TLSStats{}) {
		t.Fatalf("plain server: TLS() %v, TLSStats %+v", p.TLS(), p.TLSStats())
	}
	pc := dial(t, p)
	defer pc.Close()
	if recv(t, plainUp, "plain up") {
		t.Fatal("IsTLS true on a plain connection")
	}
}

// TestTLSShimErrors: what crypto/tls sees from the record conn. The "no
// more input" error must be a temporary net.Error (crypto/tls keeps the
// partial record and does not make the error sticky only then); the
// addresses are the connection's; deadlines are the loop's business.
func TestTLSShimErrors(t *testing.T) {
	// crypto/tls asks for Temporary through its own interface check, so
	// the test does too (net.Error's Temporary is deprecated for callers).
	var temporary interface{ Temporary() bool }
	var ne net.Error
	err := error(errWouldBlock{})
	if !errors.As(err, &ne) || ne.Timeout() || !errors.As(err, &temporary) || !temporary.Temporary() || err.Error() == "" {
		t.Fatalf("errWouldBlock: %v", err)
	}
	addrs := make(chan [2]net.Addr, 1)
	s := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			r := &c.tls.rc
			addrs <- [2]net.Addr{r.LocalAddr(), r.RemoteAddr()}
			if r.SetDeadline(time.Now()) != nil || r.SetReadDeadline(time.Now()) != nil || r.SetWriteDeadline(time.Now()) != nil {
				t.Error("a record conn deadline returned an error")
			}
		}
	}}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, 0))
	defer c.Close()
	a := recv(t, addrs, "addresses")
	if a[0].String() != c.RemoteAddr().String() || a[1].String() != c.LocalAddr().String() {
		t.Fatalf("record conn addresses %v, want %v %v", a, c.RemoteAddr(), c.LocalAddr())
	}
	if (&socketError{syscall.EPIPE}).Error() != syscall.EPIPE.Error() {
		t.Fatal("socketError does not read as its errno")
	}
}

// TestQueuedFileBytes: a file queued for a client that does not read shows
// in QueuedFileBytes until the client reads it all.
func TestQueuedFileBytes(t *testing.T) {
	file := pattern(8<<20, 5)
	path := writeTemp(t, "queued", file)
	queued := make(chan int64, 1)
	s := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			if c.QueuedFileBytes() != 0 {
				t.Error("QueuedFileBytes before any transfer")
			}
			_ = c.SendFile(openFile(t, path), 0, int64(len(file)))
			queued <- c.QueuedFileBytes() // on the loop, as documented
		}
	}})
	c := dialSmallWindow(t, s.Addr().String(), 4<<10)
	defer c.Close()
	q := recv(t, queued, "queued bytes")
	if q <= 0 || q > int64(len(file)) {
		t.Fatalf("QueuedFileBytes = %d, want in (0, %d]", q, len(file))
	}
	got := make([]byte, len(file))
	_ = c.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, file) {
		t.Fatalf("bytes differ at %d", firstDiff(got, file))
	}
}

// TestClientWithReconnect: WithReconnect does not retry a first connect
// that fails (reported at once), but reconnects once it has been
// connected.
func TestClientWithReconnect(t *testing.T) {
	rec := newRecorder()
	failed := make(chan error, 4)
	c := newTestClient(t, freePort(t), rec, WithReconnect(true))
	c.SetConnectErrorCallback(func(err error) { failed <- err })
	c.Connect()
	if err := recv(t, failed, "connect error"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("first connect: %v, want refused", err)
	}

	srec := newRecorder()
	s := startServer(t, Callbacks{Connection: srec.onConnection, Message: echoMessage})
	rec2 := newRecorder()
	c2 := newTestClient(t, s.Addr().String(), rec2, WithReconnect(true))
	c2.Connect()
	first := recv(t, rec2.up, "first connection")
	recv(t, srec.up, "server side").ForceClose()
	recv(t, rec2.down, "client down")
	second := recv(t, rec2.up, "reconnection")
	if second == first {
		t.Fatal("no new connection")
	}
	if n := c.connector.Attempts.Load(); n != 1 {
		t.Fatalf("the refused client made %d attempts, want 1", n)
	}
}
