//go:build linux

package tcp

import (
	"bytes"
	"crypto/tls"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// TestTLSClientDataBeforeServerFinishes: a TLS 1.3 client's handshake is
// done once it has sent its Finished, before the server has read it, so
// it may send far more than maxHandshakeInput while the server's handshake
// is still running. The server stops reading then (TCP holds the rest)
// instead of closing, and every byte arrives once the handshake is done.
// The server's handshake is held (VerifyConnection, which crypto/tls calls
// before it reads the client's Finished) until the server has read more
// than the bound; this failed with a reset before the fix.
func TestTLSClientDataBeforeServerFinishes(t *testing.T) {
	const total = 1 << 20
	clientFailed := make(chan struct{})
	var server atomic.Pointer[Server] // set once started; the handshake reads it
	cfg := serverTLS(t)
	cfg.VerifyConnection = func(tls.ConnectionState) error {
		// Hold the handshake until the loop has stopped reading with the
		// bound reached (or the client saw the connection fail).
		deadline := time.Now().Add(guard)
		for time.Now().Before(deadline) {
			paused := false
			if s := server.Load(); s != nil {
				s.ForEachConn(func(c *Conn) { paused = paused || c.tls.inputPaused })
			}
			if paused {
				return nil
			}
			select {
			case <-clientFailed:
				return nil
			case <-time.After(time.Millisecond):
			}
		}
		return nil
	}
	received := make(chan []byte, 1)
	var got []byte
	s := startServer(t, Callbacks{
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			got = append(got, in.Peek()...)
			in.RetrieveAll()
			if len(got) == total {
				received <- got
			}
		},
	}, WithTLS(cfg))
	server.Store(s)
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	defer c.Close()
	data := pattern(total, 7)
	writeErr := make(chan error, 1)
	go func() {
		const chunk = 16 << 10
		for off := 0; off < total; off += chunk {
			if _, err := c.Write(data[off : off+chunk]); err != nil {
				close(clientFailed)
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	select {
	case b := <-received:
		if !bytes.Equal(b, data) {
			t.Fatal("the server received other bytes than the client sent")
		}
	case err := <-writeErr:
		if err != nil {
			t.Fatalf("the client's write failed: %v", err)
		}
		select {
		case b := <-received:
			if !bytes.Equal(b, data) {
				t.Fatal("the server received other bytes than the client sent")
			}
		case <-time.After(guard):
			t.Fatalf("the server did not receive all %d bytes", total)
		}
	case <-time.After(guard):
		t.Fatal("the server did not receive the data")
	}
}
