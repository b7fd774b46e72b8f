package http

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// badLimits are small so the limit cases stay small.
var badLimits = Limits{MaxTargetBytes: 64, MaxHeaderBytes: 512, MaxBodyBytes: 1024}

// badInputs are requests a server must refuse, with the status it must
// answer (RFC 9112 / RFC 9110), given badLimits.
var badInputs = []struct {
	name, req string
	want      []int // any of these
}{
	{"no target", "GET HTTP/1.1\r\nHost: x\r\n\r\n", []int{400}},
	{"no version", "GET /\r\nHost: x\r\n\r\n", []int{400}},
	{"double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", []int{400}},
	{"lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n", []int{400}},
	{"garbage", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", []int{400}},
	{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", []int{400}},
	{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", []int{400}},
	{"tab before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n", []int{400}},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", []int{400}},
	{"host missing", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", []int{400}},
	{"host repeated", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", []int{400}},
	{"host port not digits", "GET / HTTP/1.1\r\nHost: x:abc\r\n\r\n", []int{400}},
	{"host two ports", "GET / HTTP/1.1\r\nHost: x:80:90\r\n\r\n", []int{400}},
	{"host open bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", []int{400}},
	{"host bad percent", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", []int{400}},
	{"host list", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", []int{400}},
	{"absolute-form bad port", "GET http://x:abc/ HTTP/1.1\r\nHost: x\r\n\r\n", []int{400}},
	{"te and cl", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n", []int{400}},
	{"cl differing", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", []int{400}},
	{"cl list differing", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", []int{400}},
	{"cl plus sign", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", []int{400}},
	{"cl minus sign", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello", []int{400}},
	{"cl non-digit", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello", []int{400}},
	{"cl hex", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", []int{400}},
	{"cl empty", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", []int{400}},
	{"cl overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", []int{400}},
	{"te not chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", []int{400, 501}},
	{"te chunked then gzip", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", []int{400, 501}},
	{"te gzip then chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", []int{400, 501}},
	{"te in http/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", []int{400}},
	{"bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", []int{400}},
	{"chunk size with space", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", []int{400}},
	{"chunk size overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhello\r\n0\r\n\r\n", []int{400, 413}},
	{"no CRLF after chunk", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", []int{400}},
	{"bare LF after chunk", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", []int{400}},
	{"http/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", []int{505}},
	{"http/3.0", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", []int{505}},
	{"target too long", "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\nHost: x\r\n\r\n", []int{414}},
	{"target too long, line unfinished", "GET /" + strings.Repeat("a", 100), []int{414}},
	{"head too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 600) + "\r\n\r\n", []int{431}},
	{"head too large, unfinished", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 600), []int{431}},
	{"body too large", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n", []int{413}},
	// The first chunk fits; the second is refused when its size is read,
	// before its data is sent.
	{"chunked body too large", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n300\r\n" + strings.Repeat("c", 0x300) + "\r\n300\r\n", []int{413}},
	{"method too long", strings.Repeat("M", 70) + " / HTTP/1.1\r\nHost: x\r\n\r\n", []int{501}},
}

// TestServerBadInput sends each bad request followed, in the same write,
// by a valid one: exactly one response - the error, with Date and
// Connection: close - must come back, then the close. Answering the
// trailing request would mean the server resynchronised on bytes whose
// framing it could not trust (request smuggling).
func TestServerBadInput(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(badLimits))
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			c.send(tc.req + get("/r/smuggled"))
			r := c.read("GET")
			ok := false
			for _, w := range tc.want {
				ok = ok || r.StatusCode == w
			}
			if !ok {
				t.Fatalf("status %d, want one of %v (body %q)", r.StatusCode, tc.want, r.body)
			}
			checkErrorResponse(t, r, r.StatusCode)
			if r.ContentLength != int64(len(r.body)) {
				t.Fatalf("Content-Length %d, body %d bytes", r.ContentLength, len(r.body))
			}
			c.expectEOF()
		})
	}
}

// TestServerBadInputAfterGood: a good request answered normally, then a bad
// one in the same write gets its error response in order and the close.
func TestServerBadInputAfterGood(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(badLimits))
	c := dial(t, s)
	c.send(get("/r/first") + "GET / HTTP/1.1\r\nHost : x\r\n\r\n" + get("/r/smuggled"))
	if r := c.expectStatus("GET", 200); r.body != "GET /r/first " {
		t.Fatalf("body %q", r.body)
	}
	checkErrorResponse(t, c.read("GET"), 400)
	c.expectEOF()
}

// TestServerBadInputLeavesNoState: a bad request that follows a good one
// in the same read fails a parsing state the loop lends to every
// connection; the next client, on a new connection or on one that was
// already open, must get its own request judged on its own bytes. (The
// state went back to the loop marked clean, and every later client was
// answered with the attacker's error.)
func TestServerBadInputLeavesNoState(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(badLimits))
	idle := dial(t, s)
	idle.send(get("/r/warm"))
	idle.expectStatus("GET", 200)
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			c.send(get("/r/first") + tc.req)
			if r := c.expectStatus("GET", 200); r.body != "GET /r/first " {
				t.Fatalf("body %q", r.body)
			}
			r := c.read("GET")
			checkErrorResponse(t, r, r.StatusCode)
			c.expectEOF()
			for _, next := range []*client{dial(t, s), idle} {
				next.send(get("/r/next") + post("/r/body", "hello"))
				if r := next.expectStatus("GET", 200); r.body != "GET /r/next " {
					t.Fatalf("next client: body %q", r.body)
				}
				if r := next.expectStatus("POST", 200); r.body != "POST /r/body hello" {
					t.Fatalf("next client: body %q", r.body)
				}
			}
		})
	}
}

// TestServerBadInputBehindDetached: the error response to a bad request
// pipelined behind a slow (detached) response waits its turn.
func TestServerBadInputBehindDetached(t *testing.T) {
	rt := testRouter()
	rt.GET("/slow", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			// Finish only once the server has refused the request behind
			// (its 505 is queued and the connection is to close).
			if err := waitOnLoop(w.c, func(c *conn) bool { return c.closeAfter }); err != nil {
				t.Error(err)
			}
			_, _ = w.WriteString("slow")
			w.Finish()
		}()
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/slow") + "GET / HTTP/2.0\r\nHost: x\r\n\r\n" + get("/r/smuggled"))
	if r := c.expectStatus("GET", 200); r.body != "slow" {
		t.Fatalf("body %q", r.body)
	}
	checkErrorResponse(t, c.read("GET"), 505)
	c.expectEOF()
}

// TestServerBadInputSplit: the same refusal when the bad request arrives
// in pieces (the parser resumes; the glue must not lose its state).
func TestServerBadInputSplit(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(badLimits))
	for _, tc := range badInputs[:12] {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			half := len(tc.req) / 2
			c.sendApart(s, tc.req[:half], tc.req[half:]+get("/r/smuggled"))
			r := c.read("GET")
			checkErrorResponse(t, r, tc.want[0])
			c.expectEOF()
		})
	}
}

// waitOnLoop waits until cond holds for c, evaluated on c's loop. Safe
// from any goroutine: it reports instead of failing the test.
func waitOnLoop(c *conn, cond func(*conn) bool) error {
	deadline := time.Now().Add(guard)
	for {
		ok := false
		c.ls.loop.RunAndWait(func() { ok = cond(c) }, guard)
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the connection never reached the state the test waits for")
		}
		time.Sleep(time.Millisecond) // polling for input on its way
	}
}
