package http

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The server checks deadlines on a one-second tick, so a timeout of d
// fires within d+1s; the tests wait up to guard and assert only what
// happens, never how fast.

// TestServerHeaderTimeout: a client that sends part of a head and stalls
// gets 408 (RFC 9110 15.5.9) and a close.
func TestServerHeaderTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, testRouter(), WithHeaderTimeout(200*time.Millisecond))
	for _, partial := range []string{"GET /plain", "GET /plaintext HTTP/1.1\r\nHost: x\r\n"} {
		c := dial(t, s)
		c.send(partial)
		checkErrorResponse(t, c.read("GET"), StatusRequestTimeout)
		c.expectEOF()
	}
	if st := s.Stats(); st.Timeouts < 2 {
		t.Fatalf("Timeouts = %d", st.Timeouts)
	}
}

// TestServerHeaderTimeoutSilent: a client that connects and sends nothing
// is closed after the header timeout, without a response.
func TestServerHeaderTimeoutSilent(t *testing.T) {
	t.Parallel()
	s := startServer(t, testRouter(), WithHeaderTimeout(200*time.Millisecond))
	c := dial(t, s)
	c.expectEOF()
}

// TestServerBodyTimeout: a client stalled in the body, Content-Length or
// chunked, gets 408 and a close.
func TestServerBodyTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, testRouter(), WithBodyTimeout(200*time.Millisecond), WithHeaderTimeout(0))
	for _, partial := range []string{
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	} {
		c := dial(t, s)
		c.send(partial)
		checkErrorResponse(t, c.read("POST"), StatusRequestTimeout)
		c.expectEOF()
	}
}

// TestServerIdleTimeout: a keep-alive connection with no request in
// progress is closed after the idle timeout, without a response.
func TestServerIdleTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, testRouter(), WithIdleTimeout(200*time.Millisecond))
	c := dial(t, s)
	c.send(get("/plaintext"))
	c.expectStatus("GET", 200)
	c.expectEOF()
}

// TestServerTimeoutsDisabled: with every timeout 0 a stalled client is left
// alone.
func TestServerTimeoutsDisabled(t *testing.T) {
	t.Parallel()
	s := startServer(t, testRouter(), WithHeaderTimeout(0), WithBodyTimeout(0), WithIdleTimeout(0))
	idle, head := dial(t, s), dial(t, s)
	idle.send(get("/plaintext"))
	idle.expectStatus("GET", 200)
	head.send("GET /pla")
	time.Sleep(1500 * time.Millisecond) // at least one tick
	idle.expectOpen(10 * time.Millisecond)
	head.expectOpen(10 * time.Millisecond)
	head.send("intext HTTP/1.1\r\nHost: x\r\n\r\n")
	head.expectStatus("GET", 200)
}

// TestServerBusyConnectionNotTimedOut: the timeouts are per request. A
// connection that keeps sending requests is never closed, however long it
// lives: neither when each request arrives whole (idle timeout), nor when
// each write also starts the next head (header timeout), nor when each
// also starts the next body (body timeout).
//
// Each connection lives longer than the timeout plus a tick, so a
// deadline measured from its start would fire; the requests follow each
// other a few milliseconds apart, a hundred times less than the timeout,
// so a loaded machine does not make a gap look like a stall.
func TestServerBusyConnectionNotTimedOut(t *testing.T) {
	t.Parallel()
	const d = 1500 * time.Millisecond
	s := startServer(t, testRouter(), WithIdleTimeout(d), WithHeaderTimeout(d), WithBodyTimeout(d))
	mk := func(i int) string { return post(fmt.Sprintf("/r/%d", i), fmt.Sprintf("body%d", i)) }
	for _, mode := range []string{"whole", "split head", "split body"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s)
			pending := ""
			start := time.Now()
			for i := 0; time.Since(start) < d+1200*time.Millisecond; i++ {
				next := mk(i + 1)
				cut := 0
				switch mode {
				case "split head":
					cut = strings.Index(next, "\r\n") + 2
				case "split body":
					cut = strings.Index(next, "\r\n\r\n") + 6
				}
				c.send(mk(i)[len(pending):] + next[:cut])
				pending = next[:cut]
				r := c.read("POST")
				if r.StatusCode != 200 || r.body != fmt.Sprintf("POST /r/%d body%d", i, i) {
					t.Fatalf("request %d: status %d body %q", i, r.StatusCode, r.body)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestServerTimeoutWhileDetached: a connection whose handler is still
// working is not idle: no timeout closes it while the client waits.
func TestServerTimeoutWhileDetached(t *testing.T) {
	t.Parallel()
	rt := testRouter()
	rt.GET("/slow", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			time.Sleep(1500 * time.Millisecond)
			_, _ = w.WriteString("done")
			w.Finish()
		}()
	})
	s := startServer(t, rt, WithIdleTimeout(200*time.Millisecond), WithHeaderTimeout(200*time.Millisecond))
	c := dial(t, s)
	c.send(get("/slow"))
	if r := c.expectStatus("GET", 200); r.body != "done" {
		t.Fatalf("body %q", r.body)
	}
	c.expectEOF() // and then idle
}
