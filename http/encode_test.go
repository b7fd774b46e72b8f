package http

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// markEncoder is a visible ContentEncoder: each piece p becomes "[p]", the
// end adds "$". It counts itself in and out, so a test can check that
// every installed encoder is released exactly once, on every path.
type markEncoder struct {
	live, doubles *atomic.Int64
	released      atomic.Bool
}

func newMarkEncoder(live, doubles *atomic.Int64) *markEncoder {
	live.Add(1)
	return &markEncoder{live: live, doubles: doubles}
}

func (e *markEncoder) StartEncoding(status int, h *Header, body []byte, whole bool) bool {
	if h.Get("X-Encode") == "" {
		return false
	}
	h.Set("Content-Encoding", "mark")
	return true
}

func (e *markEncoder) AppendEncoded(dst, p []byte, end bool) []byte {
	dst = append(dst, '[')
	dst = append(dst, p...)
	dst = append(dst, ']')
	if end {
		dst = append(dst, '$')
	}
	return dst
}

func (e *markEncoder) ReleaseEncoder() {
	if e.released.Swap(true) {
		e.doubles.Add(1)
		return
	}
	e.live.Add(-1)
}

// TestContentEncoder: the server calls a ContentEncoder for whole, streamed,
// detached and pipelined bodies, frames what it returns, leaves HEAD and
// 204 alone, and releases every encoder exactly once whatever way the
// response ends (not encoded, aborted, panicked, hijacked, replaced,
// installed too late, client gone).
func TestContentEncoder(t *testing.T) {
	var live, doubles atomic.Int64
	hold := make(chan struct{})
	rt := NewRouter()
	rt.Use(func(next Handler) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			w.SetContentEncoder(newMarkEncoder(&live, &doubles))
			if r.Query("replace") != "" {
				w.SetContentEncoder(newMarkEncoder(&live, &doubles))
			}
			if r.Query("encode") != "" {
				w.Header().Set("X-Encode", "1")
			}
			next.ServeHTTP(w, r)
		})
	})
	rt.GET("/whole", func(w *ResponseWriter, _ *Request) { _, _ = w.WriteString("abc") })
	rt.GET("/asked", func(w *ResponseWriter, _ *Request) {
		// As a FileServer does before choosing sendfile: ask, then write
		// the body through w when it is to be encoded.
		w.Header().Set("Content-Length", "4")
		if w.startEncoding(false) {
			_, _ = w.WriteString("file")
		} else {
			_, _ = w.WriteString("FILE")
		}
	})
	rt.GET("/nocontent", func(w *ResponseWriter, _ *Request) { w.WriteHeader(204) })
	rt.GET("/stream", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("a")
		_ = w.Flush()
		w.SetContentEncoder(newMarkEncoder(&live, &doubles)) // too late: released at once
		_, _ = w.WriteString("b")
	})
	rt.GET("/detached", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			_, _ = w.WriteString("x")
			_ = w.Flush()
			_, _ = w.WriteString("y")
			w.Finish()
		}()
	})
	rt.GET("/abort", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("a")
		_ = w.Flush()
		w.Abort(nil)
	})
	rt.GET("/panic", func(w *ResponseWriter, r *Request) {
		_, _ = w.WriteString("a")
		if r.Query("flush") != "" {
			_ = w.Flush()
		}
		panic("test")
	})
	rt.GET("/hijack", func(w *ResponseWriter, _ *Request) {
		_ = w.Hijack(HijackCallbacks{
			Start:   func(tc *tcp.Conn, _ *buffer.Buffer) { tc.ForceClose() },
			Message: func(*tcp.Conn, *buffer.Buffer, time.Time) {},
		})
	})
	rt.GET("/gone", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			<-hold
			_, _ = w.WriteString("late")
			w.Finish()
		}()
	})
	s := startServer(t, rt)

	c0 := dial(t, s)
	c := c0
	for _, tc := range []struct{ method, path, enc, body string }{
		{"GET", "/whole?encode=1", "mark", "[abc]$"},
		{"GET", "/whole?encode=1&replace=1", "mark", "[abc]$"},
		{"GET", "/whole", "", "abc"},
		{"GET", "/asked?encode=1", "mark", "[file]$"},
		{"GET", "/asked", "", "FILE"},
		{"HEAD", "/whole?encode=1", "", ""},
		{"GET", "/nocontent?encode=1", "", ""},
		{"GET", "/stream?encode=1", "mark", "[a][b]$"},
		{"GET", "/stream", "", "ab"},
		{"GET", "/detached?encode=1", "mark", "[x][y]$"},
	} {
		c.send(tc.method + " " + tc.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		r := c.read(tc.method)
		if r.Header.Get("Content-Encoding") != tc.enc || r.body != tc.body {
			t.Errorf("%s %s: Content-Encoding %q, body %q; want %q %q", tc.method, tc.path, r.Header.Get("Content-Encoding"), r.body, tc.enc, tc.body)
		}
		if tc.method == "GET" && strings.HasSuffix(tc.path, "?encode=1") && tc.path != "/stream?encode=1" && tc.path != "/detached?encode=1" && r.ContentLength != int64(len(tc.body)) {
			t.Errorf("%s: Content-Length %d, want the encoded length %d", tc.path, r.ContentLength, len(tc.body))
		}
	}

	// Pipelined: both encoded, in one batch.
	c.send(get("/whole?encode=1") + get("/whole?encode=1"))
	for i := 0; i < 2; i++ {
		if r := c.read("GET"); r.body != "[abc]$" {
			t.Errorf("pipelined %d: %q", i, r.body)
		}
	}

	for _, path := range []string{"/abort?encode=1", "/panic?encode=1&flush=1"} {
		c := dial(t, s)
		c.send(get(path))
		r, err := c.tryRead("GET")
		if err == nil || strings.Contains(r.body, "$") {
			t.Errorf("%s: read as complete: %q %v", path, r.body, err)
		}
		_ = c.nc.Close()
	}
	c = dial(t, s)
	c.send(get("/panic?encode=1"))
	c.expectStatus("GET", 500)
	_ = c.nc.Close()

	c = dial(t, s)
	c.send(get("/hijack?encode=1"))
	c.expectEOF()
	_ = c0.nc.Close()
	waitFor(t, "the server to close every connection", func() bool { return s.TCP().NumConnections() == 0 })

	c = dial(t, s)
	c.send(get("/gone?encode=1"))
	_ = c.nc.(*net.TCPConn).SetLinger(0) // a reset: the server knows at once the client is gone
	_ = c.nc.Close()
	waitFor(t, "the server to see the client go", func() bool { return s.TCP().NumConnections() == 0 })
	close(hold)

	waitFor(t, "every encoder released", func() bool { return live.Load() == 0 })
	if n := doubles.Load(); n != 0 {
		t.Fatalf("%d encoders released twice", n)
	}
}
