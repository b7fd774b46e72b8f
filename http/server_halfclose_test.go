package http

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A client that sends its request and half-closes still gets the response
// of a handler that finishes on another goroutine after the server has read
// the FIN, then EOF.
func TestServerHalfCloseGetsDetachedResponse(t *testing.T) {
	rt := NewRouter()
	rt.GET("/slow", func(w *ResponseWriter, r *Request) {
		w.Detach()
		go func() {
			// Finish only once the server has read the client's FIN.
			if err := waitPeerEOF(w.c); err != nil {
				t.Error(err)
			}
			_, _ = w.WriteString("finally")
			w.Finish()
		}()
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/slow") + get("/slow"))
	_ = c.nc.(*net.TCPConn).CloseWrite()
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	out, err := io.ReadAll(c.nc)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "HTTP/1.1 200 OK"); n != 2 || !strings.HasSuffix(string(out), "finally") {
		t.Fatalf("want two complete responses, got %q", out)
	}
}

// waitPeerEOF waits until c has read its client's FIN (looked at on the
// loop). Safe from any goroutine: it reports instead of failing the test.
func waitPeerEOF(c *conn) error {
	deadline := time.Now().Add(guard)
	for {
		eof := false
		c.ls.loop.RunAndWait(func() { eof = c.peerEOF }, guard)
		if eof {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the server never read the client's FIN")
		}
		time.Sleep(time.Millisecond) // polling for the FIN on its way
	}
}
