package http

import (
	"io"
	nethttp "net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chainRecorder is three ordinary middlewares, of the kind anyone writes
// first (a logger that reads the status after next): it counts the
// requests each one saw and the statuses the outermost logged.
type chainRecorder struct {
	ran      [3]atomic.Int32
	mu       sync.Mutex
	statuses []int
}

func (c *chainRecorder) mw(i int) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			c.ran[i].Add(1)
			next.ServeHTTP(w, r)
			if i == 0 {
				c.mu.Lock()
				c.statuses = append(c.statuses, w.Status())
				c.mu.Unlock()
			}
		})
	}
}

func (c *chainRecorder) check(t *testing.T, n int32) { c.checkOuter(t, 3, n) }

// checkOuter checks that the first k middlewares ran n times.
func (c *chainRecorder) checkOuter(t *testing.T, k int, n int32) {
	t.Helper()
	for i := range c.ran[:k] {
		if got := c.ran[i].Load(); got != n {
			t.Fatalf("middleware %d ran %d times, want %d", i, got, n)
		}
	}
}

// nativeStreamer is a native StreamingHandler: it takes the body as it
// arrives through r.BodyReader().
type nativeStreamer struct{ started chan struct{} }

func (s nativeStreamer) ServeHTTP(w *ResponseWriter, r *Request) {
	body := r.BodyReader()
	streamed := r.Streamed()
	w.Detach()
	go func() {
		one := make([]byte, 1)
		if _, err := io.ReadFull(body, one); err == nil && streamed {
			s.started <- struct{}{}
		}
		n, _ := io.Copy(io.Discard, body)
		_, _ = w.WriteString(strconv.FormatInt(n+1, 10))
		w.Finish()
	}()
}

func (s nativeStreamer) ServeStream(w *ResponseWriter, r *Request, _ io.ReadCloser) {
	s.ServeHTTP(w, r)
}

// chainSetups build the same routes behind a 3-deep chain in the ways a
// user can: all on the Router (Use, Group, With), or WithMiddleware
// outside Router middleware.
//
// outside is how many of the three wrap the Router's own answers (404,
// 405): the Router's and the server's middleware do, a group's does not.
var chainSetups = []struct {
	name    string
	outside int
	build   func(rec *chainRecorder, routes func(*Router)) (Handler, []Option)
}{
	{"Use+Group+With", 1, func(rec *chainRecorder, routes func(*Router)) (Handler, []Option) {
		rt := NewRouter()
		rt.Use(rec.mw(0))
		routes(rt.Group("/g", rec.mw(1)).With(rec.mw(2)))
		return rt, nil
	}},
	{"WithMiddleware+Use+Use", 3, func(rec *chainRecorder, routes func(*Router)) (Handler, []Option) {
		rt := NewRouter()
		rt.Use(rec.mw(1), rec.mw(2))
		routes(rt.Group("/g"))
		return rt, []Option{WithMiddleware(rec.mw(0))}
	}},
	{"WithMiddleware+Use+Route", 2, func(rec *chainRecorder, routes func(*Router)) (Handler, []Option) {
		rt := NewRouter()
		rt.Use(rec.mw(1))
		rt.Route("/g", func(g *Router) {
			g.Use(rec.mw(2))
			routes(g)
		})
		return rt, []Option{WithMiddleware(rec.mw(0))}
	}},
}

// TestChainKeepsStreaming: an adapted and a native streaming handler behind
// three middlewares start before a 200 KB upload is complete: the client
// sends the rest only once the handler has read the first byte.
func TestChainKeepsStreaming(t *testing.T) {
	const size = 200 << 10
	for _, setup := range chainSetups {
		t.Run(setup.name, func(t *testing.T) {
			started := make(chan struct{}, 4)
			rec := &chainRecorder{}
			h, opts := setup.build(rec, func(g *Router) {
				g.Handle("PUT /adapted", Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
					one := make([]byte, 1)
					if _, err := io.ReadFull(r.Body, one); err != nil {
						nethttp.Error(w, err.Error(), 500)
						return
					}
					started <- struct{}{}
					n, _ := io.Copy(io.Discard, r.Body)
					_, _ = io.WriteString(w, strconv.FormatInt(n+1, 10))
				})))
				g.Handle("PUT /native", nativeStreamer{started: started})
			})
			s := startServer(t, h, opts...)
			for i, path := range []string{"/g/adapted", "/g/native"} {
				c := dial(t, s)
				c.send("PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n" + strings.Repeat("a", 1024))
				select {
				case <-started:
				case <-time.After(guard):
					t.Fatalf("%s: the handler did not start before the body was complete", path)
				}
				c.send(strings.Repeat("b", size-1024))
				if r := c.expectStatus("PUT", 200); r.body != strconv.Itoa(size) {
					t.Fatalf("%s: body %q", path, r.body)
				}
				rec.check(t, int32(i+1))
			}
		})
	}
}

// TestChainKeepsEarlyRefusal: a PUT with Expect: 100-continue and a 1 MB
// body to a route that has only GET (native or adapted) is answered 405
// without a 100 and without the body, through three middlewares, which
// see the 405.
func TestChainKeepsEarlyRefusal(t *testing.T) {
	for _, setup := range chainSetups {
		t.Run(setup.name, func(t *testing.T) {
			rec := &chainRecorder{}
			h, opts := setup.build(rec, func(g *Router) {
				g.GET("/native", func(w *ResponseWriter, _ *Request) { _, _ = w.WriteString("n") })
				g.Handle("GET /adapted", Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
					_, _ = io.WriteString(w, "a")
				})))
			})
			s := startServer(t, h, append(opts, WithLimits(Limits{MaxBodyBytes: 4 << 20}))...)
			for i, path := range []string{"/g/native", "/g/adapted", "/g/nowhere"} {
				c := dial(t, s)
				c.send("PUT " + path + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1048576\r\n\r\n")
				want := 405
				if path == "/g/nowhere" {
					want = 404
				}
				r := c.expectStatus("PUT", want) // a 100 first would fail here
				checkClose(t, r)
				if want == 405 && r.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
					t.Fatalf("Allow %q", r.Header.Get("Allow"))
				}
				rec.checkOuter(t, setup.outside, int32(i+1))
				rec.mu.Lock()
				if got := rec.statuses[len(rec.statuses)-1]; got != want {
					t.Fatalf("the outer middleware saw %d", got)
				}
				rec.mu.Unlock()
			}
		})
	}
}

// TestChainKeepsDetachAndWorkers: Detach works through the chain, on the
// loop and on the worker pool, and so does Hijack.
func TestChainKeepsDetachAndWorkers(t *testing.T) {
	for _, workers := range []bool{false, true} {
		rec := &chainRecorder{}
		var closes atomic.Int32
		h, opts := chainSetups[1].build(rec, func(g *Router) {
			g.GET("/detached/{v}", func(w *ResponseWriter, r *Request) {
				v := strings.Clone(r.PathValue("v"))
				w.Detach()
				go func() {
					_, _ = w.WriteString("later " + v)
					w.Finish()
				}()
			})
			g.GET("/up", func(w *ResponseWriter, _ *Request) { _ = w.Hijack(shoutCallbacks(&closes)) })
		})
		if workers {
			opts = append(opts, WithWorkers(2, 8))
		}
		s := startServer(t, h, opts...)
		c := dial(t, s)
		c.send(get("/g/detached/x"))
		if r := c.expectStatus("GET", 200); r.body != "later x" {
			t.Fatalf("workers %v: body %q", workers, r.body)
		}
		c.send(upgradeReq("/g/up"))
		c.expectBytes(switchHead)
		c.send("through the chain")
		c.expectBytes("THROUGH THE CHAIN")
		rec.check(t, 2)
	}
}

// TestHandWrapperLosesFastPaths documents what Middleware says: a wrapper
// around the whole Router is opaque, so a 405 with Expect gets a 100 and
// its body is read. WithMiddleware, wrapping the same, keeps the refusal.
func TestHandWrapperLosesFastPaths(t *testing.T) {
	rt := NewRouter()
	rt.GET("/only", func(*ResponseWriter, *Request) {})
	wrapped := HandlerFunc(func(w *ResponseWriter, r *Request) { rt.ServeHTTP(w, r) })
	s := startServer(t, wrapped)
	c := dial(t, s)
	c.send("PUT /only HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
	c.expectStatus("PUT", 100)
	c.send("abc")
	c.expectStatus("PUT", 405)

	pass := func(next Handler) Handler { return HandlerFunc(next.ServeHTTP) }
	s = startServer(t, rt, WithMiddleware(pass))
	c = dial(t, s)
	c.send("PUT /only HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
	c.expectStatus("PUT", 405)
}

// TestAdaptedPathValues: a net/http handler behind the Router sees the
// Router's match in r.PathValue and r.Pattern.
func TestAdaptedPathValues(t *testing.T) {
	rt := NewRouter()
	rt.Handle("GET /users/{id}/files/{path...}", Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		_, _ = io.WriteString(w, r.Pattern+" "+r.PathValue("id")+" "+r.PathValue("path"))
	})))
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/users/a%20b/files/x/y"))
	if r := c.expectStatus("GET", 200); r.body != "GET /users/{id}/files/{path...} a b x/y" {
		t.Fatalf("body %q", r.body)
	}
}
