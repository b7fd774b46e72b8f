package http

import (
	"context"
	"errors"
	"io"
	nethttp "net/http"
	"strings"
	"testing"
	"time"
)

// Tests of the response control a middleware uses (response_control.go),
// in this package so that they count for it: the middleware package's
// tests exercise the same calls from outside.

// hookResult is what a response hook saw, copied out of the ResponseInfo
// (which is valid only during the call).
type hookResult struct {
	status  int
	written int64
	err     error
	target  string
}

func recordHooks() (Option, chan hookResult) {
	ch := make(chan hookResult, 16)
	return WithResponseHook(func(info *ResponseInfo) {
		ch <- hookResult{info.Status, info.Written, info.Err, string(info.Target)}
	}), ch
}

// TestResponseReset: Reset drops the status, the body and the fields that
// describe the body, keeps the fields of the exchange, and refuses once the
// head was sent (inline Flush, or a detached Flush on its way).
func TestResponseReset(t *testing.T) {
	resets := make(chan bool, 4)
	rt := NewRouter()
	rt.GET("/remade", func(w *ResponseWriter, _ *Request) {
		w.Header().Set("X-Request-Id", "r-1")
		w.Header().Set("Vary", "Origin")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Etag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT")
		w.Header().Set("Content-Disposition", "attachment")
		w.WriteHeader(StatusNotFound)
		_, _ = w.WriteString(`{"half":`)
		if w.HeaderSent() {
			t.Error("HeaderSent before anything was sent")
		}
		resets <- w.Reset()
		w.Text(StatusInternalServerError, "made anew")
	})
	rt.GET("/flushed", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("sent")
		_ = w.Flush()
		if !w.HeaderSent() {
			t.Error("HeaderSent false after Flush")
		}
		resets <- w.Reset()
		_, _ = w.WriteString(" and more")
	})
	rt.GET("/detached", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			_, _ = w.WriteString("streamed")
			_ = w.Flush()
			sent := w.HeaderSent()
			resets <- w.Reset() && sent
			w.Finish()
			resets <- w.Reset()
		}()
	})
	s := startServer(t, rt)
	c := dial(t, s)

	c.send("GET /remade HTTP/1.1\r\nHost: x\r\n\r\n")
	r := c.expectStatus("GET", StatusInternalServerError)
	if !await(t, resets, "Reset") {
		t.Fatal("Reset before the head was sent reported false")
	}
	if r.body != "made anew" {
		t.Fatalf("body %q, want only what was written after Reset", r.body)
	}
	if got := r.Header.Get("X-Request-Id") + "|" + r.Header.Get("Vary"); got != "r-1|Origin" {
		t.Fatalf("exchange fields %q, want them kept", got)
	}
	for _, f := range []string{"Etag", "Last-Modified", "Content-Disposition"} {
		if v := r.Header.Get(f); v != "" {
			t.Fatalf("%s: %q survived Reset", f, v)
		}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q, want the new response's", ct)
	}

	c.send("GET /flushed HTTP/1.1\r\nHost: x\r\n\r\n")
	r = c.expectStatus("GET", StatusOK)
	if await(t, resets, "Reset") {
		t.Fatal("Reset after an inline Flush reported true")
	}
	if r.body != "sent and more" {
		t.Fatalf("body %q: Reset after the head changed the response", r.body)
	}

	c.send("GET /detached HTTP/1.1\r\nHost: x\r\n\r\n")
	r = c.expectStatus("GET", StatusOK)
	if await(t, resets, "Reset after a detached Flush") {
		t.Fatal("Reset after a detached Flush reported true")
	}
	if await(t, resets, "Reset after Finish") {
		t.Fatal("Reset after Finish reported true")
	}
	if r.body != "streamed" {
		t.Fatalf("body %q", r.body)
	}
}

// TestResponseSetErrorAndAbort: SetError is reported to the hooks while the
// client gets the whole response; Abort cuts the response short (inline:
// nothing of it is sent; detached after a Flush: the chunked body has no
// last chunk) and the connection closes, with ErrResponseAborted or the
// given error reported.
func TestResponseSetErrorAndAbort(t *testing.T) {
	errUpstream := errors.New("upstream failed")
	errFirst := errors.New("first error")
	rt := NewRouter()
	rt.GET("/seterror", func(w *ResponseWriter, _ *Request) {
		w.SetError(nil) // ignored
		w.SetError(errFirst)
		w.SetError(errUpstream) // the first recorded wins
		_, _ = w.WriteString("whole")
	})
	rt.GET("/abort", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("never sent")
		w.Abort(nil)
	})
	rt.GET("/abort-detached", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			_, _ = w.WriteString("first part")
			_ = w.Flush()
			_, _ = w.WriteString("dropped part")
			w.Abort(errUpstream)
			w.Finish()
		}()
	})
	hook, hooks := recordHooks()
	s := startServer(t, rt, hook)

	c := dial(t, s)
	c.send("GET /seterror HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.expectStatus("GET", StatusOK); r.body != "whole" || r.Close {
		t.Fatalf("body %q close %v: SetError changed the response", r.body, r.Close)
	}
	if h := await(t, hooks, "hook"); !errors.Is(h.err, errFirst) || h.status != StatusOK || h.written != 5 {
		t.Fatalf("hook saw %+v, want status 200, 5 bytes, the first error set", h)
	}
	// The connection is still usable after SetError.
	c.send("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
	c.expectEOF()
	if h := await(t, hooks, "hook"); !errors.Is(h.err, ErrResponseAborted) || h.written != 0 || h.target != "/abort" {
		t.Fatalf("hook saw %+v, want ErrResponseAborted and nothing written for /abort", h)
	}

	c = dial(t, s)
	c.send("GET /abort-detached HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	raw, err := io.ReadAll(c.br)
	if err != nil && !isReset(err) {
		t.Fatal(err)
	}
	got := string(raw)
	if !strings.Contains(got, "Transfer-Encoding: chunked") || !strings.Contains(got, "first part") {
		t.Fatalf("response %q: want the flushed head and first chunk", got)
	}
	if strings.Contains(got, "dropped part") || strings.HasSuffix(got, "0\r\n\r\n") {
		t.Fatalf("response %q: an aborted response sent more after the abort, or its last chunk", got)
	}
	if h := await(t, hooks, "hook"); !errors.Is(h.err, errUpstream) || h.status != StatusOK {
		t.Fatalf("hook saw %+v, want the abort's error", h)
	}
}

// TestFinishTimeout: a detached response its owner does not finish in time
// is answered with the given code and the connection closes; the owner's
// later writes fail and its Finish does nothing. A response finished in
// time, or whose head was sent, is left alone; FinishTimeout on a response
// that is not detached does nothing.
func TestFinishTimeout(t *testing.T) {
	owned := make(chan *ResponseWriter, 1)
	lateWrite := make(chan error, 1)
	rt := NewRouter()
	rt.GET("/stuck", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		w.FinishTimeout(time.Hour, StatusServiceUnavailable) // replaced by the next call
		w.FinishTimeout(time.Millisecond, nethttp.StatusGatewayTimeout)
		owned <- w
	})
	rt.GET("/intime", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		w.FinishTimeout(time.Hour, nethttp.StatusGatewayTimeout)
		go func() {
			_, _ = w.WriteString("in time")
			w.Finish()
			w.FinishTimeout(time.Millisecond, nethttp.StatusGatewayTimeout) // finished: nothing to bound
		}()
	})
	rt.GET("/inline", func(w *ResponseWriter, _ *Request) {
		w.FinishTimeout(time.Nanosecond, nethttp.StatusGatewayTimeout) // not detached: no effect
		_, _ = w.WriteString("inline")
	})
	rt.GET("/headsent", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			_, _ = w.WriteString("head and part")
			_ = w.Flush()
			// The deadline passing now finds the head sent: the response
			// stays the owner's. (timeout is what the timer runs.)
			w.FinishTimeout(time.Hour, nethttp.StatusGatewayTimeout)
			w.timeout()
			_, err := w.WriteString(", the rest")
			lateWrite <- err
			w.Finish()
		}()
	})
	hook, hooks := recordHooks()
	s := startServer(t, rt, hook)

	c := dial(t, s)
	c.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
	r := c.expectStatus("GET", nethttp.StatusGatewayTimeout)
	checkClose(t, r)
	if !strings.Contains(r.body, "did not finish in time") {
		t.Fatalf("body %q", r.body)
	}
	c.expectEOF()
	if h := await(t, hooks, "hook"); h.status != nethttp.StatusGatewayTimeout || h.written != int64(len(r.body)) {
		t.Fatalf("hook saw %+v, want 504 with the server's %d-byte body", h, len(r.body))
	}
	w := await(t, owned, "the stuck writer")
	if _, err := w.WriteString("too late"); !errors.Is(err, ErrFinished) {
		t.Fatalf("write after the timeout: %v, want ErrFinished", err)
	}
	w.Finish() // a no-op: no second response, no second hook
	if !w.HeaderSent() {
		t.Fatal("HeaderSent false for a response the timeout finished")
	}

	c = dial(t, s)
	c.send("GET /intime HTTP/1.1\r\nHost: x\r\n\r\nGET /inline HTTP/1.1\r\nHost: x\r\n\r\nGET /headsent HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.expectStatus("GET", StatusOK); r.body != "in time" {
		t.Fatalf("body %q", r.body)
	}
	if r := c.expectStatus("GET", StatusOK); r.body != "inline" {
		t.Fatalf("body %q", r.body)
	}
	if r := c.expectStatus("GET", StatusOK); r.body != "head and part, the rest" {
		t.Fatalf("body %q: a timeout after the head took the response from its owner", r.body)
	}
	if err := await(t, lateWrite, "the write after the passed deadline"); err != nil {
		t.Fatalf("write after a deadline that found the head sent: %v", err)
	}
	// Hooks run as each response finishes, not in pipeline order.
	seen := map[string]bool{}
	for range 3 {
		h := await(t, hooks, "hook")
		if h.status != StatusOK || h.err != nil || seen[h.target] {
			t.Fatalf("hook saw %+v, want one clean 200 for each request", h)
		}
		seen[h.target] = true
	}
	if !seen["/intime"] || !seen["/inline"] || !seen["/headsent"] {
		t.Fatalf("hooks for %v", seen)
	}
	select {
	case h := <-hooks:
		t.Fatalf("an extra hook call: %+v", h)
	default:
	}
}

type ctxKey struct{}

// TestRequestSetContext: a middleware's SetContext is what the handlers
// after it see; a nil context is ignored.
func TestRequestSetContext(t *testing.T) {
	seen := make(chan string, 2)
	mw := func(next Handler) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			var none context.Context // SetContext ignores a nil context
			r.SetContext(none)
			r.SetContext(context.WithValue(r.Context(), ctxKey{}, "from the middleware"))
			next.ServeHTTP(w, r)
		})
	}
	h := mw(HandlerFunc(func(w *ResponseWriter, r *Request) {
		v, _ := r.Context().Value(ctxKey{}).(string)
		seen <- v
		_, _ = w.WriteString(v)
	}))
	s := startServer(t, h)
	c := dial(t, s)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.expectStatus("GET", StatusOK); r.body != "from the middleware" {
		t.Fatalf("body %q", r.body)
	}
	if v := await(t, seen, "handler"); v != "from the middleware" {
		t.Fatalf("handler saw %q", v)
	}
}

// await receives from ch, failing the test after guard.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
