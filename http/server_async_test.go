package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// asyncRouter adds handlers that answer from other goroutines.
func asyncRouter(gate chan struct{}) *Router {
	rt := testRouter()
	// /slow?ms answers after ms milliseconds, from a goroutine.
	rt.GET("/slow", func(w *ResponseWriter, r *Request) {
		ms, _ := strconv.Atoi(r.RawQueryString())
		tag := string(r.Target())
		w.Detach()
		go func() {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			_, _ = w.WriteString(tag)
			w.Finish()
		}()
	})
	// /stream writes, flushes, waits for the gate, writes, flushes, writes.
	rt.GET("/stream", func(w *ResponseWriter, _ *Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Detach()
		go func() {
			_, _ = w.WriteString("part1")
			_ = w.Flush()
			<-gate
			_, _ = w.WriteString("part2")
			_ = w.Flush()
			_, _ = w.WriteString("part3")
			w.Finish()
		}()
	})
	// /loopflush flushes on the loop, without detaching.
	rt.GET("/loopflush", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("ab")
		_ = w.Flush()
		_, _ = w.WriteString("cd")
	})
	// /now detaches and finishes before returning.
	rt.GET("/now", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		_, _ = w.WriteString("now")
		w.Finish()
		w.Finish()
		if _, err := w.WriteString("late"); !errors.Is(err, ErrFinished) {
			panic(fmt.Sprintf("write after Finish: %v", err))
		}
	})
	rt.GET("/panic", func(*ResponseWriter, *Request) { panic("handler bug") })
	return rt
}

// TestServerDetachedOrder: a slow detached response holds back the fast
// ones pipelined after it; everything arrives in request order.
func TestServerDetachedOrder(t *testing.T) {
	s := startServer(t, asyncRouter(nil))
	c := dial(t, s)
	var reqs []string
	want := []string{}
	for i := range 20 {
		switch i % 4 {
		case 0:
			target := fmt.Sprintf("/slow?%d", 40-i)
			reqs, want = append(reqs, get(target)), append(want, target)
		case 1:
			reqs, want = append(reqs, get("/now")), append(want, "now")
		default:
			target := fmt.Sprintf("/r/%d", i)
			reqs, want = append(reqs, get(target)), append(want, "GET "+target+" ")
		}
	}
	c.send(strings.Join(reqs, ""))
	for i, w := range want {
		if r := c.expectStatus("GET", 200); r.body != w {
			t.Fatalf("response %d: body %q, want %q", i, r.body, w)
		}
	}
	c.expectOpen(20 * time.Millisecond)
}

// TestServerFlushStreaming: Flush from a detached writer sends the head
// and a chunk at once; net/http decodes the chunked body, and the client
// sees the first part before the handler writes the second.
func TestServerFlushStreaming(t *testing.T) {
	gate := make(chan struct{})
	s := startServer(t, asyncRouter(gate))
	cl := &nethttp.Client{Timeout: guard}
	defer cl.CloseIdleConnections()
	resp, err := cl.Get("http://" + s.Addr().String() + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || resp.ContentLength != -1 {
		t.Fatalf("TE %v CL %d", resp.TransferEncoding, resp.ContentLength)
	}
	first := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "part1" {
		t.Fatalf("first part %q: %v", first, err)
	}
	close(gate)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "part2part3" {
		t.Fatalf("rest %q: %v", rest, err)
	}
	// The chunked response keeps the connection: flush on the loop too.
	resp2, err := cl.Get("http://" + s.Addr().String() + "/loopflush")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if string(b) != "abcd" || len(resp2.TransferEncoding) != 1 {
		t.Fatalf("loop flush: %q TE %v", b, resp2.TransferEncoding)
	}
}

// TestServerFlushHTTP10: HTTP/1.0 has no chunking: a flushed response has
// no length and ends with the connection.
func TestServerFlushHTTP10(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	s := startServer(t, asyncRouter(gate))
	for _, path := range []string{"/stream", "/loopflush"} {
		c := dial(t, s)
		c.send("GET " + path + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		_ = c.nc.SetReadDeadline(time.Now().Add(guard))
		all, err := io.ReadAll(c.br) // up to the close
		if err != nil {
			t.Fatal(err)
		}
		head, body, _ := strings.Cut(string(all), "\r\n\r\n")
		if strings.Contains(head, "Transfer-Encoding") || strings.Contains(head, "Content-Length") ||
			!strings.Contains(head, "\r\nConnection: close") {
			t.Fatalf("%s head %q", path, head)
		}
		if want := map[string]string{"/stream": "part1part2part3", "/loopflush": "abcd"}[path]; body != want {
			t.Fatalf("%s body %q, want %q", path, body, want)
		}
	}
}

// TestServerWorkers: blocking handlers on the worker pool; pipelined
// responses still leave in request order, and the request (body, query,
// headers) is intact on the worker.
func TestServerWorkers(t *testing.T) {
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		ms, _ := strconv.Atoi(r.RawQueryString())
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = w.WriteString(string(r.Target()) + " " + string(r.Header("X-Tag")) + " " + string(r.Body()))
	})
	s := startServer(t, h, WithWorkers(4, 0))
	c := dial(t, s)
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, "POST /w?%d HTTP/1.1\r\nHost: x\r\nX-Tag: t%d\r\nContent-Length: 2\r\n\r\nb%d", (12-i)*3, i, i%10)
	}
	c.send(b.String())
	for i := range 12 {
		want := fmt.Sprintf("/w?%d t%d b%d", (12-i)*3, i, i%10)
		if r := c.expectStatus("POST", 200); r.body != want {
			t.Fatalf("response %d: %q, want %q", i, r.body, want)
		}
	}
}

// TestServerWorkerDetach: a handler on the worker pool may Detach and
// finish from a goroutine of its own; the pool must not finish the
// response when the handler returns.
func TestServerWorkerDetach(t *testing.T) {
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Detach()
		go func() {
			// Write only once both handlers have returned and their
			// workers are idle again: a pool that finished the response
			// on return has done so by then.
			deadline := time.Now().Add(guard)
			for idleWorkers() != 2 {
				if time.Now().After(deadline) {
					t.Errorf("%d idle workers, want 2", idleWorkers())
					break
				}
				time.Sleep(time.Millisecond) // polling the workers' state
			}
			_, _ = w.WriteString("later")
			w.Finish()
		}()
	})
	s := startServer(t, h, WithWorkers(2, 0))
	c := dial(t, s)
	c.send(get("/a") + get("/b"))
	for range 2 {
		if r := c.expectStatus("GET", 200); r.body != "later" {
			t.Fatalf("body %q, want the detached goroutine's", r.body)
		}
	}
}

// TestServerWorkerQueueFull: with every worker busy and the queue full, a
// request is answered 503 at once; the others complete.
func TestServerWorkerQueueFull(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		if r.PathString() == "/block" {
			started <- struct{}{}
			<-release
		}
		_, _ = w.WriteString("ok " + r.PathString())
	})
	s := startServer(t, h, WithWorkers(1, 1))
	a, b, c := dial(t, s), dial(t, s), dial(t, s)
	a.send(get("/block"))
	<-started // the worker is busy
	b.send(get("/queued"))
	waitFor(t, "the second request to be queued", func() bool { return s.Stats().Requests == 2 })
	c.send(get("/refused"))
	r := c.expectStatus("GET", StatusServiceUnavailable)
	if r.Header.Get("Date") == "" {
		t.Fatalf("503 without Date: %v", r.Header)
	}
	close(release)
	if r := a.expectStatus("GET", 200); r.body != "ok /block" {
		t.Fatalf("body %q", r.body)
	}
	if r := b.expectStatus("GET", 200); r.body != "ok /queued" {
		t.Fatalf("body %q", r.body)
	}
	c.send(get("/again")) // the refused connection still works
	c.expectStatus("GET", 200)
}

// TestServerContextCancelledOnDisconnect: Request.Context is done once the
// client goes away, so a detached handler can stop working for it.
func TestServerContextCancelledOnDisconnect(t *testing.T) {
	done := make(chan error, 1)
	started := make(chan struct{})
	rt := NewRouter()
	rt.GET("/wait", func(w *ResponseWriter, r *Request) {
		ctx := r.Context()
		w.Detach()
		go func() {
			close(started)
			select {
			case <-ctx.Done():
				done <- ctx.Err()
			case <-time.After(guard):
				done <- errors.New("context not cancelled")
			}
			// The context ends at the client's FIN, as with net/http;
			// the connection may still be open for writing (a client
			// may only have half-closed), so the write may succeed.
			if _, err := w.WriteString("late"); err != nil && !errors.Is(err, ErrConnClosed) {
				done <- fmt.Errorf("write after the client left: %v", err)
			}
			w.Finish()
			done <- nil
		}()
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/wait"))
	<-started
	_ = c.nc.Close()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestServerHandlerPanic: a panicking handler costs its client a 500 and
// the connection; the server goes on serving, on the loop and on workers.
func TestServerHandlerPanic(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithWorkers(2, 0)}} {
		s := startServer(t, asyncRouter(nil), opts...)
		other := dial(t, s)
		other.send(get("/r/before"))
		other.expectStatus("GET", 200)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				gt := goroutineTB{t} // not the test's goroutine: no t.Fatal here
				c := dial(gt, s)
				c.send(get("/r/first") + get("/panic") + get("/r/after"))
				c.expectStatus("GET", 200)
				r := c.read("GET")
				checkErrorResponse(gt, r, StatusInternalServerError)
				c.expectEOF()
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		other.send(get("/r/still"))
		if r := other.expectStatus("GET", 200); r.body != "GET /r/still " {
			t.Fatalf("body %q", r.body)
		}
	}
}

// TestServerPanicAfterFlush: a handler that panics once part of a chunked
// response is out must not have it terminated as if complete: the client
// sees the body cut short, and the connection closes.
func TestServerPanicAfterFlush(t *testing.T) {
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		_, _ = w.WriteString("partial")
		_ = w.Flush()
		_, _ = w.WriteString("never")
		panic("after flush")
	})
	for _, opts := range [][]Option{nil, {WithWorkers(1, 0)}} {
		s := startServer(t, h, opts...)
		c := dial(t, s)
		c.send(get("/x"))
		_ = c.nc.SetReadDeadline(time.Now().Add(guard))
		all, err := io.ReadAll(c.br)
		if err != nil {
			t.Fatal(err)
		}
		// On a worker, Flush hands the bytes to the loop later: what was
		// written after it may still join the chunk, and if the panic
		// comes first the response is a plain 500. Either way a 200 must
		// not look complete.
		cut := strings.HasPrefix(string(all), "HTTP/1.1 200 OK\r\n") && strings.Contains(string(all), "partial") &&
			!strings.HasSuffix(string(all), "0\r\n\r\n")
		plain500 := strings.HasPrefix(string(all), "HTTP/1.1 500 ") && strings.Contains(string(all), "\r\nConnection: close\r\n")
		if opts == nil && (!cut || strings.Contains(string(all), "never")) || !(cut || plain500) {
			t.Fatalf("workers=%v: stream %q", opts != nil, all)
		}
	}
}

// idleWorkers counts the worker-pool goroutines waiting for a job, from
// the goroutine stacks (the tests that use it run one pool at a time).
func idleWorkers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[chan receive") && strings.Contains(g, "http.newWorkerPool.func") {
			count++
		}
	}
	return count
}
