package http

import (
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
			if err := waitOnLoop(w.c, func(c *conn) bool { return c.peerEOF }); err != nil {
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
