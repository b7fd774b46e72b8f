package middleware

import (
	"bytes"
	"errors"
	"log/slog"
	stdhttp "net/http"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

func panicky(w *http.ResponseWriter, r *http.Request) {
	switch r.PathString() {
	case "/panic":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.WriteString(`{"half":`)
		panic("boom")
	case "/flushed":
		_, _ = w.WriteString("partial")
		_ = w.Flush()
		panic("boom after flush")
	case "/abort":
		panic(stdhttp.ErrAbortHandler)
	case "/detached":
		d := w.Detach()
		go func() {
			defer RecoverDetached(d, quietLogger)
			_, _ = d.WriteString("never")
			panic("boom in goroutine")
		}()
	default:
		_, _ = w.WriteString("fine")
	}
}

// TestRecover: a panic before anything was sent is a 500 on a connection
// that stays open, logged with its stack; after a Flush the response is
// cut short; ErrAbortHandler aborts silently; RecoverDetached covers a
// detached handler's goroutine; the response hook reports the panic.
func TestRecover(t *testing.T) {
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logged}, nil))
	errs := make(chan error, 8)
	hook := http.WithResponseHook(func(info *http.ResponseInfo) { errs <- info.Err })
	for _, workers := range []int{0, 2} {
		opts := []http.Option{hook}
		if workers > 0 {
			opts = append(opts, http.WithWorkers(workers, 0))
		}
		base := serve(t, Recover(logger)(http.HandlerFunc(panicky)), opts...)
		c := dialRaw(t, base)
		resp, body, err := c.roundTrip("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
		if err != nil || resp.StatusCode != 500 || resp.Close || !strings.HasPrefix(body, "Internal Server Error") ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("workers %d: panic: %v %v %q %v", workers, resp, err, body, resp.Header)
		}
		if err := <-errs; !errors.Is(err, http.ErrHandlerPanic) {
			t.Errorf("workers %d: hook err %v", workers, err)
		}
		// The connection is still good.
		if resp, body, err := c.roundTrip("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 200 || body != "fine" {
			t.Fatalf("workers %d: after the panic: %v %q %v", workers, resp, body, err)
		}
		<-errs
		// Flushed: cut short.
		c2 := dialRaw(t, base)
		if _, _, err := c2.roundTrip("GET /flushed HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			t.Errorf("workers %d: a response cut short read as complete", workers)
		}
		if err := <-errs; !errors.Is(err, http.ErrHandlerPanic) {
			t.Errorf("workers %d: flushed: hook err %v", workers, err)
		}
		c3 := dialRaw(t, base)
		if resp, _, err := c3.roundTrip("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil && resp.StatusCode == 200 {
			t.Errorf("workers %d: aborted response looks complete", workers)
		}
		if err := <-errs; !errors.Is(err, http.ErrResponseAborted) {
			t.Errorf("workers %d: abort: hook err %v", workers, err)
		}
	}
	base := serve(t, Recover(logger)(http.HandlerFunc(panicky)), hook)
	resp, body := do(t, "GET", base+"/detached", nil)
	if resp.StatusCode != 500 || strings.Contains(body, "never") {
		t.Fatalf("detached panic: %d %q", resp.StatusCode, body)
	}
	if err := <-errs; !errors.Is(err, http.ErrHandlerPanic) {
		t.Errorf("detached: hook err %v", err)
	}
	out := logged.String()
	if !strings.Contains(out, "boom") || !strings.Contains(out, "path=/panic") || !strings.Contains(out, "goroutine") {
		t.Errorf("log lacks the panic, the path or the stack:\n%s", out)
	}
}
