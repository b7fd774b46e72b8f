//go:build linux

package tcp

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// With a HalfClose callback a connection whose peer half-closed stays
// open for writing: an answer computed after the FIN (here, on another
// goroutine once the loop has finished with the FIN) still reaches the peer, and Shutdown then closes
// the connection.
func TestHalfCloseCallbackKeepsConnectionForAnswers(t *testing.T) {
	srv := NewServer(WithName("half"))
	closed := make(chan struct{})
	var got []byte
	srv.SetCallbacks(Callbacks{
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			got = append(got, in.Peek()...)
			in.RetrieveAll()
		},
		HalfClose: func(c *Conn) {
			answer := append([]byte("answer to "), got...)
			go func() {
				// Answer once the loop is done with the FIN (this callback
				// has returned and the connection is held open).
				runAndWait(c.Loop(), func() {})
				if err := c.Send(answer); err != nil {
					t.Errorf("send after the peer's FIN: %v", err)
				}
				c.Shutdown()
			}()
		},
		Connection: func(c *Conn) {
			if !c.Connected() {
				close(closed)
			}
		},
	})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte("question")); err != nil {
		t.Fatal(err)
	}
	_ = nc.(*net.TCPConn).CloseWrite()
	reply, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	if string(reply) != "answer to question" {
		t.Fatalf("got %q", reply)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not close after Shutdown")
	}
}
