package http

import (
	"bytes"
	"io"
	nethttp "net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// quota is a Refuser: it refuses bodies announced over max bytes with 413
// from the head alone, and counts the bodies it was given.
type quota struct {
	max    int64
	served *atomic.Int32 // written on the loop, read by the test
}

func (q quota) RefusesHead(r *Request) bool { return r.ContentLength() > q.max }

func (q quota) ServeHTTP(w *ResponseWriter, r *Request) {
	if r.ContentLength() > q.max {
		w.Header().Set("X-Body-Seen", strconv.Itoa(len(r.Body())))
		WriteError(w, 413)
		return
	}
	q.served.Add(1)
	_, _ = w.Write(r.Body())
}

func quotaServer(t *testing.T) (*Server, *atomic.Int32) {
	served := new(atomic.Int32)
	rt := NewRouter()
	rt.HandleMethod("POST", "/up", quota{max: 16, served: served})
	inner := NewRouter()
	inner.HandleMethod("POST", "/in/up", quota{max: 16, served: served})
	rt.HandlePrefix("", "/in/", inner)
	rt.POST("/echo", func(w *ResponseWriter, r *Request) { _, _ = w.Write(r.Body()) })
	return startServer(t, rt, WithLimits(Limits{MaxBodyBytes: 1 << 20})), served
}

// TestRefuserAnswersBeforeBody: a request its handler refuses from the
// head gets the final status before its body is sent when the client waits
// for 100 Continue or the body is large, with no 100 Continue, and then the
// connection closes (the body is never read as requests). Routers pass the
// question on, and their own 404 and 405 refuse.
func TestRefuserAnswersBeforeBody(t *testing.T) {
	s, served := quotaServer(t)
	cases := []struct {
		name, head string
		status     int
	}{
		{"over quota", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413},
		{"over quota, expect", "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n", 413},
		{"nested router", "POST /in/up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 17\r\n\r\n", 413},
		{"no route", "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n", 404},
		{"wrong method", "PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", 405},
		{"nested no route", "POST /in/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab", 404},
		// Over the server's 1 MiB: the handler's own 413 (X-Body-Seen).
		{"over the server limit", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			c.send(tc.head)
			r := c.expectStatus("POST", tc.status) // a 100 here would fail
			checkClose(t, r)
			if seen := r.Header.Get("X-Body-Seen"); seen != "" && seen != "0" || tc.status == 413 && seen == "" {
				t.Fatalf("handler saw %q body bytes", seen)
			}
			// What the client still sends is discarded, never parsed.
			c.send(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 4))
			c.expectEOF()
		})
	}
	if n := served.Load(); n != 0 {
		t.Fatalf("quota served %d bodies", n)
	}
}

// TestRefuserSmallBody: a refused request whose body is small, whether it
// came with the head or follows it, is read and served as usual and the
// connection is kept; bodies within the quota are served whole, with Expect
// getting its 100.
func TestRefuserSmallBody(t *testing.T) {
	s, served := quotaServer(t)
	c := dial(t, s)
	c.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	c.expectStatus("POST", 404)
	c.sendApart(s, "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", "defghij")
	if r := c.expectStatus("POST", 404); r.Close {
		t.Fatal("404 to a small split body closed the connection")
	}
	c.sendApart(s, "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", "0\r\n\r\n")
	if r := c.expectStatus("PUT", 405); r.Close {
		t.Fatal("405 to a chunked body without Expect closed the connection")
	}
	c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + strings.Repeat("z", 17))
	if r := c.expectStatus("POST", 413); r.Header.Get("X-Body-Seen") != "17" || r.Close {
		t.Fatalf("saw %q close %v", r.Header.Get("X-Body-Seen"), r.Close)
	}
	c.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	c.expectStatus("POST", 100)
	c.send("tiny")
	if r := c.expectStatus("POST", 200); r.body != "tiny" || served.Load() != 1 {
		t.Fatalf("body %q served %d", r.body, served.Load())
	}
}

// TestRefuserNetHTTPClient: Go's client sending a body larger than the
// socket buffers to a refusing handler gets the 413, not a reset or a
// broken pipe: the server keeps reading (and dropping) the body while it
// closes.
func TestRefuserNetHTTPClient(t *testing.T) {
	s, _ := quotaServer(t)
	tr := &nethttp.Transport{}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}
	for _, expect := range []bool{false, true} {
		req, err := nethttp.NewRequest("POST", "http://"+s.Addr().String()+"/up", bytes.NewReader(make([]byte, 900<<10)))
		if err != nil {
			t.Fatal(err)
		}
		if expect {
			req.Header.Set("Expect", "100-continue")
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("expect=%v: %v", expect, err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != 413 || resp.Header.Get("X-Body-Seen") != "0" {
			t.Fatalf("expect=%v: %d %q seen %q", expect, resp.StatusCode, b, resp.Header.Get("X-Body-Seen"))
		}
	}
}

// panicky refuses by panicking: the server logs it, reads the body as for
// any handler, and ServeHTTP answers; the loop and other clients go on.
type panicky struct{}

func (panicky) RefusesHead(*Request) bool { panic("refuser bug") }
func (panicky) ServeHTTP(w *ResponseWriter, r *Request) {
	_, _ = w.Write(r.Body())
}

func TestRefuserPanicIsContained(t *testing.T) {
	rt := NewRouter()
	rt.HandleMethod("POST", "/p", panicky{})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send("POST /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
	c.expectStatus("POST", 100)
	c.send("ok")
	if r := c.expectStatus("POST", 200); r.body != "ok" {
		t.Fatalf("body %q", r.body)
	}
	d := dial(t, s)
	d.send(get("/nowhere"))
	d.expectStatus("GET", 404)
}
