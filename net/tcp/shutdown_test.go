//go:build linux

package tcp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// dialFails reports whether a new connection to s is refused; a connection
// that still gets through is closed at once.
func dialFails(s *Server) bool {
	c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
	if err != nil {
		return true
	}
	_ = c.Close()
	return false
}

func readEOF(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	var b [16]byte
	if n, err := c.Read(b[:]); err != io.EOF {
		t.Fatalf("read %d bytes, %v; want EOF", n, err)
	}
}

// TestServerShutdown: Shutdown stops accepting, half-closes each connection
// once its queued output is sent, waits for the peers, and force-closes at
// the deadline a peer that never closes.
func TestServerShutdown(t *testing.T) {
	big := pattern(8<<20, 3)
	rec := newRecorder()
	queued := make(chan int, 1)
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			_ = c.Send(big)
			queued <- c.OutputBytes()
		},
	}, WithLoops(1))

	slow := dial(t, s) // asks for 8 MiB and reads it only after Shutdown began
	mustWrite(t, slow, "B")
	if recv(t, queued, "queued") == 0 {
		t.Fatal("nothing queued: the test needs output pending at Shutdown")
	}
	stubborn := dial(t, s) // reads EOF but never closes
	recv(t, rec.up, "up")
	recv(t, rec.up, "up")

	// The "deadline" is a cancel once the checks before it are done, so that
	// a slow machine can not reach it early.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()

	eventually(t, "dials refused", func() bool { return dialFails(s) })
	readEOF(t, stubborn)

	_ = slow.SetReadDeadline(time.Now().Add(guard))
	got, err := io.ReadAll(slow)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("slow client got %d of %d bytes before EOF (%v)", len(got), len(big), err)
	}
	_ = slow.Close()
	recv(t, rec.down, "down of the slow client's connection")

	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a peer still had its side open", err)
	default:
	}
	cancel()
	if err := recv(t, done, "Shutdown"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled (it had to force a close)", err)
	}
	recv(t, rec.down, "down of the stubborn client's connection")
	if n := s.NumConnections(); n != 0 {
		t.Fatalf("NumConnections = %d after Shutdown", n)
	}
	// The stubborn client's socket is gone on the server side.
	_ = stubborn.SetDeadline(time.Now().Add(guard))
	for {
		if _, err := stubborn.Write([]byte("x")); err != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, l := range s.Loops() {
		select {
		case <-l.Done():
		case <-time.After(guard):
			t.Fatal("an IO loop still runs after Shutdown")
		}
	}
	if err := s.Start("127.0.0.1:0"); err != ErrServerClosed {
		t.Fatalf("Start after Shutdown: %v", err)
	}
}

// TestServerShutdownClean: when every peer closes after the EOF, Shutdown
// returns nil before its deadline.
func TestServerShutdownClean(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithLoops(2))
	var clients []net.Conn
	for range 4 {
		c := dial(t, s)
		recv(t, rec.up, "up")
		clients = append(clients, c)
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	for _, c := range clients {
		readEOF(t, c)
		_ = c.Close()
	}
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	for range clients {
		recv(t, rec.down, "down")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown = %v", err)
	}
}

// TestServerClose: Close closes every connection at once, each with its
// down callback, and refuses new ones.
func TestServerClose(t *testing.T) {
	rec := newRecorder()
	big := pattern(4<<20, 5)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			rec.onConnection(c)
			if c.Connected() {
				_ = c.Send(big) // some connections have output queued
			}
		},
	}, WithLoops(3))
	ups := map[*Conn]bool{}
	var clients []net.Conn
	for range 9 {
		clients = append(clients, dial(t, s))
		ups[recv(t, rec.up, "up")] = true
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close returns after every connection is closed.
	for range clients {
		select {
		case c := <-rec.down:
			if !ups[c] {
				t.Fatal("down for an unknown connection")
			}
			delete(ups, c)
		default:
			t.Fatalf("Close returned with %d connections not down", len(ups))
		}
	}
	if n := s.NumConnections(); n != 0 {
		t.Fatalf("NumConnections = %d", n)
	}
	if !dialFails(s) {
		t.Fatal("a dial succeeded after Close")
	}
	for _, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(guard))
		if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Fatalf("client read after Close: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
