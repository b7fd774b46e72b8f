package http

import (
	"strconv"
	"strings"
	"testing"
)

// TestServerExpectContinue: RFC 9110 10.1.1. The 100 goes out before the
// body is sent when the handler will read it; a request refused anyway
// gets its final status at once, with Connection: close, and the
// connection closes (its body was never read).
func TestServerExpectContinue(t *testing.T) {
	s := startServer(t, testRouter(), WithLimits(Limits{MaxBodyBytes: 1024}))

	t.Run("continue then body", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\n")
		c.expectStatus("POST", 100)
		c.send("hello")
		r := c.expectStatus("POST", 200)
		if r.body != "hello" || r.Header.Get("Content-Type") != "text/x-test" {
			t.Fatalf("body %q type %q", r.body, r.Header.Get("Content-Type"))
		}
		c.send(get("/r/next")) // the connection goes on
		if r := c.expectStatus("GET", 200); r.body != "GET /r/next " {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("expectation in a list", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, foo\r\nContent-Length: 5\r\n\r\n")
		c.expectStatus("POST", 100) // before the body: the client waits for it
		c.send("hello")
		if r := c.expectStatus("POST", 200); r.body != "hello" {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("continue then chunked body", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
		c.expectStatus("POST", 100)
		c.sendApart(s, "3\r\nabc\r\n", "2\r\nde\r\n0\r\n\r\n")
		if r := c.expectStatus("POST", 200); r.body != "abcde" {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("continue behind a pipelined response", func(t *testing.T) {
		c := dial(t, s)
		c.send(get("/r/first") + "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
		c.expectStatus("GET", 200)
		c.expectStatus("POST", 100)
		c.send("ok")
		if r := c.expectStatus("POST", 200); r.body != "ok" {
			t.Fatalf("body %q", r.body)
		}
	})
	for _, tc := range []struct {
		name, head string
		status     int
	}{
		{"unknown path", "POST /nowhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", 404},
		{"wrong method", "PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", 405},
		{"too large", "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2048\r\n\r\n", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			c.send(tc.head) // no body: the final status must come without it
			r := c.read("POST")
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			checkErrorResponse(t, r, tc.status)
			c.expectEOF()
		})
	}
}

// TestServerRouter covers 404, 405 with Allow, OPTIONS, OPTIONS * and
// longest-prefix routing.
func TestServerRouter(t *testing.T) {
	// Few exact routes are matched by comparing paths, many through a
	// map: both must route alike.
	t.Run("few routes", func(t *testing.T) { testServerRouter(t, 0) })
	t.Run("many routes", func(t *testing.T) { testServerRouter(t, 8) })
}

func testServerRouter(t *testing.T, pad int) {
	rt := testRouter()
	for i := range pad {
		rt.HandleMethod("PUT", "/pad/"+strconv.Itoa(i), HandlerFunc(reveal))
	}
	named := func(name string) HandlerFunc {
		return func(w *ResponseWriter, r *Request) { _, _ = w.WriteString(name + " " + r.PathString()) }
	}
	rt.HandlePrefix("GET", "/static/", named("static"))
	rt.HandlePrefix("GET", "/static/img/", named("img"))
	rt.HandlePrefix("GET", "/s/", named("s"))
	rt.HandleMethod("GET", "/static/exact", named("exact"))
	rt.HandleMethod("DELETE", "/item", named("delete"))
	rt.HandleMethod("", "/any", named("any"))
	s := startServer(t, rt)
	c := dial(t, s)

	for _, tc := range []struct {
		method, target string
		status         int
		body, allow    string
	}{
		{"GET", "/nowhere", 404, "", ""},
		{"GET", "/plaintex", 404, "", ""},
		{"GET", "/plaintext/", 404, "", ""},
		{"POST", "/plaintext", 405, "", "GET, HEAD, OPTIONS"},
		{"DELETE", "/plaintext", 405, "", "GET, HEAD, OPTIONS"},
		{"GET", "/echo", 405, "", "POST, OPTIONS"},
		{"HEAD", "/echo", 405, "", "POST, OPTIONS"},
		{"GET", "/item", 405, "", "DELETE, OPTIONS"},
		{"OPTIONS", "/plaintext", 204, "", "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/echo", 204, "", "POST, OPTIONS"},
		{"OPTIONS", "*", 204, "", ""},
		{"DELETE", "/item", 200, "delete /item", ""},
		{"PATCH", "/any", 200, "any /any", ""},
		{"GET", "/static/a.css", 200, "static /static/a.css", ""},
		{"GET", "/static/img/a.png", 200, "img /static/img/a.png", ""},
		{"GET", "/static/exact", 200, "exact /static/exact", ""},
		{"GET", "/static/exact2", 200, "static /static/exact2", ""},
		{"GET", "/s/x", 200, "s /s/x", ""},
		{"GET", "/static/img/a.png?x=/static/", 200, "img /static/img/a.png", ""},
		{"POST", "/static/a.css", 405, "", "GET, HEAD, OPTIONS"},
		{"PROPFIND", "/plaintext", 405, "", "GET, HEAD, OPTIONS"},
		{"PROPFIND", "/any", 200, "any /any", ""},
	} {
		body := ""
		if tc.method == "POST" || tc.method == "PATCH" || tc.method == "DELETE" {
			body = "Content-Length: 0\r\n"
		}
		c.send(tc.method + " " + tc.target + " HTTP/1.1\r\nHost: x\r\n" + body + "\r\n")
		r := c.read(tc.method)
		if r.StatusCode != tc.status {
			t.Fatalf("%s %s: status %d, want %d", tc.method, tc.target, r.StatusCode, tc.status)
		}
		if tc.body != "" && r.body != tc.body {
			t.Fatalf("%s %s: body %q, want %q", tc.method, tc.target, r.body, tc.body)
		}
		if got := r.Header.Get("Allow"); got != tc.allow {
			t.Fatalf("%s %s: Allow %q, want %q", tc.method, tc.target, got, tc.allow)
		}
		if r.Close {
			t.Fatalf("%s %s: a routing answer closed the connection", tc.method, tc.target)
		}
		if tc.status == 204 && (r.body != "" || r.Header.Get("Content-Length") != "") {
			t.Fatalf("204 with body %q CL %q", r.body, r.Header.Get("Content-Length"))
		}
	}
}

// TestServerRouterNotFoundHandler: a custom NotFound replaces the 404.
func TestServerRouterNotFoundHandler(t *testing.T) {
	rt := NewRouter()
	rt.NotFound = HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteHeader(418)
		_, _ = w.WriteString("teapot " + r.PathString())
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/x"))
	if r := c.expectStatus("GET", 418); !strings.HasPrefix(r.body, "teapot /x") {
		t.Fatalf("body %q", r.body)
	}
}

// TestServerNonRouterHandler: any Handler can serve, and Expect works with
// it (the 100 goes out, since the server can not know it would refuse).
func TestServerNonRouterHandler(t *testing.T) {
	s := startServer(t, HandlerFunc(reveal))
	c := dial(t, s)
	c.send("PUT /anything HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
	c.expectStatus("PUT", 100)
	c.send("abc")
	if r := c.expectStatus("PUT", 200); r.body != "PUT /anything abc" {
		t.Fatalf("body %q", r.body)
	}
}
