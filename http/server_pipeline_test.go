package http

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestServerPipeline100 sends 100 different GETs in one write: 100
// responses, in request order (RFC 9112 9.3.2).
func TestServerPipeline100(t *testing.T) {
	s := startServer(t, testRouter())
	c := dial(t, s)
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "GET /r/%d?q=%d HTTP/1.1\r\nHost: x\r\n\r\n", i, i*7)
	}
	c.send(b.String())
	for i := range 100 {
		r := c.expectStatus("GET", 200)
		if want := fmt.Sprintf("GET /r/%d?q=%d ", i, i*7); r.body != want {
			t.Fatalf("response %d: body %q, want %q", i, r.body, want)
		}
		if r.Close {
			t.Fatalf("response %d says Connection: close", i)
		}
	}
	c.expectOpen(50 * time.Millisecond)
}

// TestServerByteByByte sends requests one byte per write: the parser
// resumes across reads and the responses are right.
func TestServerByteByByte(t *testing.T) {
	s := startServer(t, testRouter())
	c := dial(t, s)
	reqs := get("/r/one?a=b") + chunked("/r/two", "hello", " world") + post("/r/three", "body3")
	bytes := make([]string, len(reqs))
	for i := range reqs {
		bytes[i] = reqs[i : i+1]
	}
	c.sendApart(s, bytes...) // each byte read on its own
	for _, want := range []string{"GET /r/one?a=b ", "POST /r/two hello world", "POST /r/three body3"} {
		if r := c.expectStatus("GET", 200); r.body != want {
			t.Fatalf("body %q, want %q", r.body, want)
		}
	}
}

// TestServerPipelineMixed pipelines POSTs with Content-Length and chunked
// bodies among GETs and HEADs, in one write and then split at every
// 37th byte.
func TestServerPipelineMixed(t *testing.T) {
	s := startServer(t, testRouter())
	var reqs strings.Builder
	var methods, wants []string
	for i := range 30 {
		switch i % 4 {
		case 0:
			reqs.WriteString(get(fmt.Sprintf("/r/g%d", i)))
			methods, wants = append(methods, "GET"), append(wants, fmt.Sprintf("GET /r/g%d ", i))
		case 1:
			body := strings.Repeat(string(rune('a'+i%26)), i*13)
			reqs.WriteString(post(fmt.Sprintf("/r/p%d", i), body))
			methods, wants = append(methods, "POST"), append(wants, fmt.Sprintf("POST /r/p%d %s", i, body))
		case 2:
			reqs.WriteString(chunked(fmt.Sprintf("/r/c%d", i), "x", strings.Repeat("y", i), "z"))
			methods, wants = append(methods, "POST"), append(wants, fmt.Sprintf("POST /r/c%d x%sz", i, strings.Repeat("y", i)))
		case 3:
			reqs.WriteString("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
			methods, wants = append(methods, "HEAD"), append(wants, "")
		}
	}
	all := reqs.String()
	for _, split := range []int{len(all), 37} {
		c := dial(t, s)
		for i := 0; i < len(all); i += split {
			c.send(all[i:min(i+split, len(all))])
		}
		for i := range wants {
			r := c.expectStatus(methods[i], 200)
			if r.body != wants[i] {
				t.Fatalf("split %d response %d: body %q, want %q", split, i, r.body, wants[i])
			}
		}
		c.expectOpen(20 * time.Millisecond)
	}
}

// TestServerHead: HEAD gets the GET response's headers, Content-Length
// included, and no body; the next pipelined response follows the head
// directly.
func TestServerHead(t *testing.T) {
	s := startServer(t, testRouter())
	c := dial(t, s)
	c.send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n" + get("/plaintext"))
	h := c.expectStatus("HEAD", 200)
	g := c.expectStatus("GET", 200)
	if h.body != "" || g.body != "Hello, World!" {
		t.Fatalf("HEAD body %q, GET body %q", h.body, g.body)
	}
	if h.Header.Get("Content-Length") != "13" || h.ContentLength != 13 {
		t.Fatalf("HEAD Content-Length %q", h.Header.Get("Content-Length"))
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Server"} {
		if h.Header.Get(k) != g.Header.Get(k) {
			t.Fatalf("%s: HEAD %q, GET %q", k, h.Header.Get(k), g.Header.Get(k))
		}
	}
	if len(h.Header) != len(g.Header) {
		t.Fatalf("HEAD headers %v, GET headers %v", h.Header, g.Header)
	}
}

// TestServerHeadRaw checks byte for byte that the HEAD response ends with
// its head: the next response's status line comes right after the CRLFCRLF.
func TestServerHeadRaw(t *testing.T) {
	s := startServer(t, testRouter())
	c := dial(t, s)
	c.send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n" + get("/r/next"))
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	var got []byte
	for !strings.HasSuffix(string(got), "GET /r/next ") {
		b, err := c.br.ReadByte()
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, b)
	}
	head, rest, ok := strings.Cut(string(got), "\r\n\r\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.HasPrefix(rest, "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("stream %q", got)
	}
	if !strings.Contains(head, "\r\nContent-Length: 13") {
		t.Fatalf("HEAD head %q", head)
	}
}

// TestServerHTTP10 covers persistence (RFC 9112 9.3): HTTP/1.0 closes by
// default and persists with "Connection: keep-alive"; HTTP/1.1 persists
// unless "Connection: close".
func TestServerHTTP10(t *testing.T) {
	s := startServer(t, testRouter())

	t.Run("1.0 default close", func(t *testing.T) {
		c := dial(t, s)
		c.send("GET /plaintext HTTP/1.0\r\n\r\n" + get("/r/after"))
		r := c.expectStatus("GET", 200)
		if r.body != "Hello, World!" {
			t.Fatalf("body %q", r.body)
		}
		checkClose(t, r)
		c.expectEOF()
	})
	t.Run("1.0 keep-alive", func(t *testing.T) {
		c := dial(t, s)
		for i := range 3 {
			c.send(fmt.Sprintf("GET /r/%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", i))
			r := c.expectStatus("GET", 200)
			if r.body != fmt.Sprintf("GET /r/%d ", i) || r.Close {
				t.Fatalf("body %q close %v", r.body, r.Close)
			}
			if got := r.Header.Get("Connection"); !strings.EqualFold(got, "keep-alive") {
				t.Fatalf("Connection = %q, want keep-alive", got)
			}
		}
		c.expectOpen(50 * time.Millisecond)
	})
	t.Run("1.1 close", func(t *testing.T) {
		c := dial(t, s)
		c.send("GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/r/after"))
		r := c.expectStatus("GET", 200)
		checkClose(t, r)
		c.expectEOF()
	})
	t.Run("1.1 close behind detached", func(t *testing.T) {
		rt := testRouter()
		rt.GET("/slow", func(w *ResponseWriter, _ *Request) {
			w.Detach()
			go func() { time.Sleep(30 * time.Millisecond); w.Finish() }()
		})
		s := startServer(t, rt)
		c := dial(t, s)
		c.send(get("/slow") + "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/r/after"))
		c.expectStatus("GET", 200)
		checkClose(t, c.expectStatus("GET", 200))
		c.expectEOF()
	})
	t.Run("1.1 keep-alive default", func(t *testing.T) {
		c := dial(t, s)
		c.send(get("/plaintext"))
		if r := c.expectStatus("GET", 200); r.Close || r.Header.Get("Connection") != "" {
			t.Fatalf("close %v Connection %q", r.Close, r.Header.Get("Connection"))
		}
		c.expectOpen(50 * time.Millisecond)
	})
}

// TestServerResponseHeaders checks the fields the server adds: Date,
// Server, a Content-Length computed from the body, and that a handler
// can not frame the response itself.
func TestServerResponseHeaders(t *testing.T) {
	rt := NewRouter()
	rt.GET("/frame", func(w *ResponseWriter, _ *Request) {
		w.Header().Set("Content-Length", "999")
		w.Header().Set("Transfer-Encoding", "chunked")
		w.Header().Set("X-Split", "a\r\nInjected: 1")
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		_, _ = w.WriteString("abc")
	})
	rt.GET("/nocontent", func(w *ResponseWriter, _ *Request) {
		w.WriteHeader(StatusNoContent)
		_, _ = w.WriteString("dropped")
	})
	s := startServer(t, rt, WithServerName("test-srv"))
	c := dial(t, s)
	c.send(get("/frame") + get("/nocontent") + get("/frame"))
	r := c.expectStatus("GET", 200)
	if r.body != "abc" || r.ContentLength != 3 || len(r.TransferEncoding) != 0 {
		t.Fatalf("body %q CL %d TE %v", r.body, r.ContentLength, r.TransferEncoding)
	}
	if r.Header.Get("Injected") != "" || r.Header.Get("X-Split") != "" {
		t.Fatalf("header injection: %v", r.Header)
	}
	if got := r.Header.Values("X-Multi"); len(got) != 2 {
		t.Fatalf("X-Multi %v", got)
	}
	if r.Header.Get("Server") != "test-srv" || r.Header.Get("Date") == "" {
		t.Fatalf("Server/Date: %v", r.Header)
	}
	n := c.expectStatus("GET", 204)
	if n.body != "" || n.Header.Get("Content-Length") != "" {
		t.Fatalf("204 body %q CL %q", n.body, n.Header.Get("Content-Length"))
	}
	c.expectStatus("GET", 200)
}

// TestServerHeadExplicitLength: a handler that knows the length of what GET
// would send may say so in a HEAD response without producing the body
// (RFC 9110 9.3.2, 8.6).
func TestServerHeadExplicitLength(t *testing.T) {
	rt := NewRouter()
	rt.GET("/file", func(w *ResponseWriter, r *Request) {
		if r.Method() == "HEAD" {
			w.Header().Set("Content-Length", "1234")
			return
		}
		_, _ = w.Write(make([]byte, 1234))
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n" + get("/file"))
	h := c.expectStatus("HEAD", 200)
	if h.Header.Get("Content-Length") != "1234" || len(h.TransferEncoding) != 0 || h.body != "" {
		t.Fatalf("HEAD: Content-Length %q TE %v body %q", h.Header.Get("Content-Length"), h.TransferEncoding, h.body)
	}
	if g := c.expectStatus("GET", 200); len(g.body) != 1234 {
		t.Fatalf("GET: %d bytes", len(g.body))
	}
}
