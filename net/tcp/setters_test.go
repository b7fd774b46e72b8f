//go:build linux

package tcp

import (
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// TestOptionsAndSetters: a server made with the listening options
// (WithReusePort, WithBacklog, WithNoDelay) and the one-by-one callback
// setters, and a client whose callbacks are set with SetCallbacks and
// then replaced one by one, echo a message; each setter's callback is the
// one that runs.
func TestOptionsAndSetters(t *testing.T) {
	s := NewServer(WithLogger(quietLogger), WithReusePort(true), WithBacklog(64), WithNoDelay(true))
	srec := newRecorder()
	s.SetConnectionCallback(srec.onConnection)
	s.SetMessageCallback(func(c *Conn, in *buffer.Buffer, _ time.Time) {
		_ = c.Send(in.Peek())
		in.RetrieveAll()
	})
	serverWrote := make(chan struct{}, 16)
	s.SetWriteCompleteCallback(func(*Conn) { serverWrote <- struct{}{} })
	s.SetHighWaterMarkCallback(func(*Conn, int) {})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec, WithNoDelay(true))
	got := make(chan string, 1)
	c.SetCallbacks(Callbacks{Message: func(*Conn, *buffer.Buffer, time.Time) { t.Error("the replaced message callback ran") }})
	c.SetConnectionCallback(rec.onConnection)
	c.SetMessageCallback(func(conn *Conn, in *buffer.Buffer, _ time.Time) {
		if in.ReadableBytes() >= 5 {
			got <- string(in.Peek())
			in.RetrieveAll()
		}
	})
	clientWrote := make(chan struct{}, 16)
	c.SetWriteCompleteCallback(func(*Conn) { clientWrote <- struct{}{} })
	c.SetHighWaterMarkCallback(func(*Conn, int) {})
	c.Connect()
	conn := recv(t, rec.up, "the client's connection")
	if s := stateDisconnecting.String(); s != "disconnecting" { // the state's name in logs
		t.Fatalf("stateDisconnecting.String() = %q", s)
	}
	_ = conn.SendString("hello")
	if s := recv(t, got, "the echo"); s != "hello" {
		t.Fatalf("echo %q", s)
	}
	recv(t, clientWrote, "the client's write-complete callback")
	recv(t, serverWrote, "the server's write-complete callback")
	done := make(chan int, 1)
	conn.Loop().RunInLoop(func() { done <- conn.Input().ReadableBytes() })
	if n := recv(t, done, "Input on the loop"); n != 0 {
		t.Fatalf("Input holds %d bytes after the callback consumed them", n)
	}
}
