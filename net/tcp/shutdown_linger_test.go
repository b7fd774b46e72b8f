//go:build linux

package tcp

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// TestShutdownThenCloseLingerAfterDrain: a large reply to a slow reader,
// ended with ShutdownThenClose and a linger far shorter than the reading
// takes, arrives whole and then EOF: the linger counts from the
// half-close, not from the call. A reader that then never closes is closed
// by the server after the linger (its down callback runs).
func TestShutdownThenCloseLingerAfterDrain(t *testing.T) {
	const size = 4 << 20
	const linger = 20 * time.Millisecond
	reply := pattern(size, 9)
	rec := newRecorder()
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			_ = c.Send(reply)
			c.ShutdownThenClose(linger)
		},
	})
	c := dial(t, s)
	defer c.Close()
	_ = c.SetReadBuffer(16 << 10) // keep the kernel from holding the whole reply
	recv(t, rec.up, "up")
	if _, err := c.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(guard))
	var got bytes.Buffer
	chunk := make([]byte, 32<<10)
	for reads := 0; ; reads++ {
		n, err := c.Read(chunk)
		got.Write(chunk[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v (the server cut the reply)", got.Len(), err)
		}
		if reads < 8 {
			// A slow reader for the first reads: together far longer
			// than the linger, so a linger armed at the call would have
			// closed the connection by now.
			time.Sleep(2 * linger)
		}
	}
	if !bytes.Equal(got.Bytes(), reply) {
		t.Fatalf("got %d bytes, want the %d sent", got.Len(), size)
	}
	// The client keeps its side open; the server closes after the linger.
	recv(t, rec.down, "the server to close after the linger")
}

// TestShutdownThenCloseWhenShuttingDown: on a connection already shutting
// down, ShutdownThenClose still closes it after the linger.
func TestShutdownThenCloseWhenShuttingDown(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			c.Shutdown()
			c.ShutdownThenClose(time.Millisecond)
		},
	})
	c := dial(t, s)
	defer c.Close()
	recv(t, rec.up, "up")
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	recv(t, rec.down, "down")
}
