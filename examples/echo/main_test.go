package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The contract: every byte a client sends comes back, in order, on the same
// connection, also when the client half-closes after sending.
func TestEchoContract(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, loops := range []int{0, 2} {
		srv := newServer(loops)
		if err := srv.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		payload := make([]byte, 3<<20)
		_, _ = rand.Read(payload)
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		go func() {
			_, _ = c.Write(payload)
			_ = c.(*net.TCPConn).CloseWrite()
		}()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("loops=%d: read: %v", loops, err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("loops=%d: echoed %d bytes, want the %d sent, byte for byte", loops, len(got), len(payload))
		}
		c.Close()
		_ = srv.Close()
	}
}
