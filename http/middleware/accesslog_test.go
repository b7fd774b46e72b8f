package middleware

import (
	"encoding/json"
	"log/slog"
	stdhttp "net/http"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// accessLogTestHandler answers inline, detached, by panicking, and through
// net/http.
func accessLogTestHandler() http.Handler {
	adapted := http.Adapt(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		if r.URL.Path == "/adapted/206" {
			w.Header().Set("Content-Range", "bytes 0-2/10")
			w.WriteHeader(206)
			_, _ = w.Write([]byte("abc"))
			return
		}
		stdhttp.NotFound(w, r)
	}))
	return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		switch p := r.PathString(); {
		case p == "/ok":
			_, _ = w.WriteString("hello")
		case p == "/panic":
			panic("boom")
		case p == "/detach":
			d := w.Detach()
			go func() {
				d.WriteHeader(202)
				_, _ = d.WriteString("later!")
				d.Finish()
			}()
		case strings.HasPrefix(p, "/adapted/"):
			adapted.ServeHTTP(w, r)
		default:
			http.WriteError(w, 404)
		}
	})
}

// TestAccessLog: one line per response with the status, size and request
// ID the client got, for inline, panicking, detached and adapted handlers.
func TestAccessLog(t *testing.T) {
	lw := newLineWriter()
	logger := slog.New(slog.NewJSONHandler(lw, nil))
	h := RequestID()(AccessLog(logger)(Recover(quietLogger)(accessLogTestHandler())))
	base := serve(t, h)
	for i, path := range []string{"/ok", "/panic", "/detach", "/adapted/206", "/adapted/404", "/missing"} {
		resp, body := do(t, "GET", base+path, nil)
		lines := lw.wait(t, i+1)
		var e struct {
			Msg, Method, Path, Peer string
			Status                  int
			Bytes                   int64
			RequestID               string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatalf("%s: %q: %v", path, lines[i], err)
		}
		if e.Msg != "http" || e.Method != "GET" || e.Path != path || e.Status != resp.StatusCode ||
			e.Bytes != int64(len(body)) || e.RequestID == "" || e.RequestID != resp.Header.Get("X-Request-ID") ||
			!strings.HasPrefix(e.Peer, "127.0.0.1:") {
			t.Errorf("%s: line %s; client got %d, %d bytes, id %q", path, lines[i], resp.StatusCode, len(body), resp.Header.Get("X-Request-ID"))
		}
	}
}

// TestAccessLogDisabled: a logger not enabled for the level logs nothing.
func TestAccessLogDisabled(t *testing.T) {
	lw := newLineWriter()
	var level slog.LevelVar
	level.Set(slog.LevelError)
	logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: &level}))
	base := serve(t, AccessLog(logger)(accessLogTestHandler()))
	do(t, "GET", base+"/ok", nil)
	level.Set(slog.LevelInfo)
	do(t, "GET", base+"/ok?on", nil)
	lines := lw.wait(t, 1)
	if len(lines) != 1 || !strings.Contains(lines[0], "path=/ok?on") {
		t.Fatalf("lines %q", lines)
	}
}

// TestAccessLogHook: as a server hook the log also has the responses the
// server makes itself.
func TestAccessLogHook(t *testing.T) {
	lw := newLineWriter()
	logger := slog.New(slog.NewTextHandler(lw, nil))
	base := serve(t, accessLogTestHandler(), http.WithResponseHook(AccessLogHook(logger)))
	do(t, "GET", base+"/ok", nil)
	c := dialRaw(t, base)
	resp, _, err := c.roundTrip("GET /ok HTTP/1.1\r\n\r\n") // no Host
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("%v %v", resp, err)
	}
	lines := lw.wait(t, 2)
	if !strings.Contains(lines[0], "method=GET path=/ok status=200 bytes=5") || !strings.Contains(lines[1], "status=400") {
		t.Fatalf("lines %q", lines)
	}
}
