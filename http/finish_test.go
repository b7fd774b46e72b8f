package http

import (
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// hookRecord is what one hook saw of one response.
type hookRecord struct {
	who, method, target string
	status              int
	written             int64
	err                 error
	hijacked            bool
	hadRequest          bool
	finished            bool // Finished set, not in the future, Duration after the start
}

// hookRecorder collects what the response hooks see.
type hookRecorder struct {
	mu     sync.Mutex
	recs   []hookRecord
	signal chan struct{}
}

func newHookRecorder() *hookRecorder { return &hookRecorder{signal: make(chan struct{}, 1)} }

func (h *hookRecorder) hook(who string) func(*ResponseInfo) {
	return func(info *ResponseInfo) {
		h.mu.Lock()
		h.recs = append(h.recs, hookRecord{who: who, method: info.Method, target: string(info.Target), status: info.Status,
			written: info.Written, err: info.Err, hijacked: info.Hijacked, hadRequest: info.Request != nil,
			finished: !info.Finished.IsZero() && !info.Finished.After(time.Now()) && info.Duration >= 0})
		h.mu.Unlock()
		select {
		case h.signal <- struct{}{}:
		default:
		}
	}
}

// wait returns the records for target once there are n of them.
func (h *hookRecorder) wait(t testing.TB, target string, n int) []hookRecord {
	t.Helper()
	deadline := time.After(guard)
	for {
		var got []hookRecord
		h.mu.Lock()
		for _, r := range h.recs {
			if r.target == target {
				got = append(got, r)
			}
		}
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.signal:
		case <-deadline:
			t.Fatalf("%s: %d hook calls, want %d", target, len(got), n)
		}
	}
}

// count returns how many records each who saw for target.
func (h *hookRecorder) count(target string) map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := map[string]int{}
	for _, r := range h.recs {
		if r.target == target {
			m[r.who]++
		}
	}
	return m
}

// plainWrapper is the wrapper every user writes first: a plain
// func(Handler) Handler, here registering a finish hook when hooked.
func plainWrapper(rec *hookRecorder, who string, hooked bool) func(Handler) Handler {
	return func(next Handler) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			if hooked {
				w.OnFinish(rec.hook(who))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// chainOf3 composes three plain wrappers by hand: a(b(c(inner))); a and c
// register hooks.
func chainOf3(rec *hookRecorder, inner Handler) Handler {
	a, b, c := plainWrapper(rec, "a", true), plainWrapper(rec, "b", false), plainWrapper(rec, "c", true)
	return a(b(c(inner)))
}

const upgradeHead = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"

// echoHijack takes the connection over and echoes what the client sends.
var echoHijack = HijackCallbacks{
	Start: func(tc *tcp.Conn, in *buffer.Buffer) {
		_ = tc.Send([]byte(upgradeHead))
		if in.ReadableBytes() > 0 {
			_ = tc.Send(in.Peek())
			in.RetrieveAll()
		}
	},
	Message: func(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) {
		_ = tc.Send(in.Peek())
		in.RetrieveAll()
	},
}

// nativeStatusHandler answers each test path natively.
func nativeStatusHandler(w *ResponseWriter, r *Request) {
	switch r.PathString() {
	case "/200":
		_, _ = w.WriteString("hello")
	case "/206":
		w.Header().Set("Content-Range", "bytes 0-1/5")
		w.WriteHeader(206)
		_, _ = w.WriteString("he")
	case "/304":
		w.WriteHeader(StatusNotModified)
	case "/404":
		WriteError(w, StatusNotFound)
	case "/413":
		if r.ContentLength() > 4 {
			WriteError(w, 413)
			return
		}
		_, _ = w.Write(r.Body())
	case "/panic":
		panic("boom")
	case "/detach":
		d := w.Detach()
		go func() {
			d.WriteHeader(202)
			_, _ = d.WriteString("later")
			d.Finish()
		}()
	case "/hijack":
		if err := w.Hijack(echoHijack); err != nil {
			WriteError(w, StatusInternalServerError)
		}
	default:
		WriteError(w, StatusNotFound)
	}
}

// adaptedStatusHandler answers the same paths through net/http.
func adaptedStatusHandler() Handler {
	modTime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/200":
			_, _ = io.WriteString(w, "hello")
		case "/206", "/304":
			w.Header().Set("Etag", `"v1"`)
			nethttp.ServeContent(w, r, "x.txt", modTime, strings.NewReader("hello world"))
		case "/413":
			b, _ := io.ReadAll(r.Body)
			if len(b) > 4 {
				nethttp.Error(w, "too large", nethttp.StatusRequestEntityTooLarge)
				return
			}
			_, _ = w.Write(b)
		case "/panic":
			panic("boom")
		case "/hijack":
			nc, brw, err := nethttp.NewResponseController(w).Hijack()
			if err != nil {
				nethttp.Error(w, err.Error(), 500)
				return
			}
			_, _ = brw.WriteString(upgradeHead)
			_ = brw.Flush()
			go func() {
				defer nc.Close()
				_, _ = io.Copy(nc, brw)
			}()
		default:
			nethttp.NotFound(w, r)
		}
	}))
}

type statusCase struct {
	name, request string
	want          int
}

var statusCases = []statusCase{
	{"200", get("/200"), 200},
	{"206", "GET /206 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n", 206},
	{"304", "GET /304 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"v1\"\r\n\r\n", 304},
	{"404", get("/404"), 404},
	{"413", post("/413", "too large"), 413},
}

// TestFinishHookThroughChain: through a 3-deep chain of plain wrappers,
// the hooks of two wrappers and the server's each run exactly once per
// response, with the status the client received, for native and adapted
// handlers; Detach and Hijack work through the chain and are reported.
func TestFinishHookThroughChain(t *testing.T) {
	for _, kind := range []string{"native", "adapted"} {
		t.Run(kind, func(t *testing.T) {
			rec := newHookRecorder()
			inner := Handler(HandlerFunc(nativeStatusHandler))
			if kind == "adapted" {
				inner = adaptedStatusHandler()
			}
			s := startServer(t, chainOf3(rec, inner), WithResponseHook(rec.hook("server")))
			cases := append([]statusCase(nil), statusCases...)
			if kind == "native" {
				cases = append(cases, statusCase{"detach", get("/detach"), 202})
			}
			c := dial(t, s)
			for _, tc := range cases {
				c.send(tc.request)
				method := strings.Fields(tc.request)[0]
				resp := c.read(method)
				if resp.StatusCode != tc.want {
					t.Fatalf("%s: client got %d, want %d", tc.name, resp.StatusCode, tc.want)
				}
				target := strings.Fields(tc.request)[1]
				for _, r := range rec.wait(t, target, 3) {
					if r.status != resp.StatusCode || r.err != nil || r.method != method {
						t.Errorf("%s: hook %s saw status %d err %v method %q; client got %d", tc.name, r.who, r.status, r.err, r.method, resp.StatusCode)
					}
					if want := int64(len(resp.body)); r.written != want {
						t.Errorf("%s: hook %s saw %d bytes written, client got %d", tc.name, r.who, r.written, want)
					}
				}
			}
			// A panic: 500 to the client (on a connection that then closes).
			pc := dial(t, s)
			pc.send(get("/panic"))
			resp := pc.read("GET")
			if resp.StatusCode != 500 {
				t.Fatalf("panic: client got %d", resp.StatusCode)
			}
			for _, r := range rec.wait(t, "/panic", 3) {
				if r.status != 500 || !errors.Is(r.err, ErrHandlerPanic) {
					t.Errorf("panic: hook %s saw status %d err %v", r.who, r.status, r.err)
				}
			}
			// Hijack through the chain: the connection is handed over and
			// echoes; the hooks report the handover once.
			hc := dial(t, s)
			hc.send("GET /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
			if resp := hc.read("GET"); resp.StatusCode != 101 {
				t.Fatalf("hijack: status %d", resp.StatusCode)
			}
			hc.send("ping")
			buf := make([]byte, 4)
			_ = hc.nc.SetReadDeadline(time.Now().Add(guard))
			if _, err := io.ReadFull(hc.br, buf); err != nil || string(buf) != "ping" {
				t.Fatalf("hijacked echo: %q %v", buf, err)
			}
			for _, r := range rec.wait(t, "/hijack", 3) {
				if !r.hijacked || r.status != 101 {
					t.Errorf("hijack: hook %s saw hijacked=%v status %d", r.who, r.hijacked, r.status)
				}
			}
			// Exactly once: a last request, then every count is one per hook.
			c.send(get("/200?end"))
			c.read("GET")
			rec.wait(t, "/200?end", 3)
			for _, tc := range append(cases, statusCase{request: get("/panic")}, statusCase{request: get("/hijack")}) {
				target := strings.Fields(tc.request)[1]
				if m := rec.count(target); m["a"] != 1 || m["c"] != 1 || m["server"] != 1 {
					t.Errorf("%s: hook calls %v, want one each", target, m)
				}
			}
		})
	}
}

// TestFinishHookServerResponses: the server's hook also sees the responses
// the server makes itself, with the status the client got.
func TestFinishHookServerResponses(t *testing.T) {
	rec := newHookRecorder()
	s := startServer(t, chainOf3(rec, HandlerFunc(nativeStatusHandler)), WithResponseHook(rec.hook("server")),
		WithLimits(Limits{MaxBodyBytes: 1024, MaxHeaderCount: 4}))
	for _, tc := range []statusCase{
		{"400", "GET / HTTP/1.1\r\n\r\n", 400},
		{"413", "POST /200 HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n", 413},
		{"431", "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431},
	} {
		before := len(rec.wait(t, "", 0))
		c := dial(t, s)
		c.send(tc.request)
		resp := c.read("GET")
		if resp.StatusCode != tc.want {
			t.Fatalf("%s: client got %d", tc.name, resp.StatusCode)
		}
		got := rec.wait(t, "", before+1)
		r := got[len(got)-1]
		if r.who != "server" || r.status != tc.want || r.written != int64(len(resp.body)) || !r.finished {
			t.Errorf("%s: hook saw %+v; client got %d with %d body bytes", tc.name, r, resp.StatusCode, len(resp.body))
		}
	}
}

// TestFinishHookWorkers: on the worker pool the hook runs once, with the
// request still readable.
func TestFinishHookWorkers(t *testing.T) {
	rec := newHookRecorder()
	s := startServer(t, chainOf3(rec, HandlerFunc(nativeStatusHandler)), WithResponseHook(rec.hook("server")), WithWorkers(2, 0))
	c := dial(t, s)
	for _, tc := range statusCases {
		c.send(tc.request)
		resp := c.read("GET")
		target := strings.Fields(tc.request)[1]
		for _, r := range rec.wait(t, target, 3) {
			if r.status != resp.StatusCode || !r.hadRequest || !r.finished {
				t.Errorf("%s: hook %s saw %d (request %v), client got %d", tc.name, r.who, r.status, r.hadRequest, resp.StatusCode)
			}
		}
	}
}

// TestFinishHookClientGone: a detached response whose client left before
// it was finished is reported once, with ErrConnClosed.
func TestFinishHookClientGone(t *testing.T) {
	rec := newHookRecorder()
	started, release := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		d := w.Detach()
		go func() {
			close(started)
			<-release
			_, _ = d.WriteString("too late")
			d.Finish()
		}()
	})
	s := startServer(t, chainOf3(rec, h))
	c := dial(t, s)
	c.send(get("/gone"))
	<-started
	_ = c.nc.Close()
	waitFor(t, "the server to see the close", func() bool { return s.Stats().Closed == 1 })
	close(release)
	for _, r := range rec.wait(t, "/gone", 2) {
		if !errors.Is(r.err, ErrConnClosed) {
			t.Errorf("hook %s: err %v, want ErrConnClosed", r.who, r.err)
		}
	}
}

// TestStatusAfterNextAdapted: a wrapper reading w.Status() after calling an
// adapted handler, whose response is still being made, must not read a
// status the client will not get (it read 200 for a 404 and a 206).
func TestStatusAfterNextAdapted(t *testing.T) {
	for _, tc := range []struct {
		path string
		want int
	}{{"/404", 404}, {"/206", 206}} {
		release := make(chan struct{})
		inner := Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			<-release
			w.WriteHeader(tc.want)
		}))
		seen := make(chan int, 1)
		h := HandlerFunc(func(w *ResponseWriter, r *Request) {
			inner.ServeHTTP(w, r)
			seen <- w.Status()
			close(release)
		})
		s := startServer(t, h)
		c := dial(t, s)
		c.send(get(tc.path))
		resp := c.read("GET")
		if st := <-seen; st != 0 && st != resp.StatusCode {
			t.Errorf("%s: Status() after next = %d; the client got %d", tc.path, st, resp.StatusCode)
		}
	}
}

// TestOnFinishOrder: hooks run innermost first, then the server's.
func TestOnFinishOrder(t *testing.T) {
	var order []string
	done := make(chan struct{})
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		for i := 0; i < 4; i++ { // past the two stored inline
			w.OnFinish(func(*ResponseInfo) { order = append(order, fmt.Sprint(i)) })
		}
	})
	s := startServer(t, h, WithResponseHook(func(*ResponseInfo) { order = append(order, "server"); close(done) }))
	c := dial(t, s)
	c.send(get("/"))
	c.read("GET")
	<-done
	if got := strings.Join(order, ","); got != "3,2,1,0,server" {
		t.Fatalf("order %s", got)
	}
}

// TestFinishHookRequestTimeout: the 408 for a client that stalls in its
// head is reported by the server's hook.
func TestFinishHookRequestTimeout(t *testing.T) {
	rec := newHookRecorder()
	s := startServer(t, HandlerFunc(nativeStatusHandler), WithResponseHook(rec.hook("server")), WithHeaderTimeout(50*time.Millisecond))
	c := dial(t, s)
	c.send("GET /200 HTTP/1.1\r\nHo")
	resp := c.read("GET")
	r := rec.wait(t, "", 1)[0]
	if resp.StatusCode != 408 || r.status != 408 || r.written != int64(len(resp.body)) {
		t.Fatalf("client got %d; hook saw %+v", resp.StatusCode, r)
	}
}

// TestStatusOnWorkers: on the worker pool a wrapper after next reads the
// status of a handler that did not detach, default 200 included.
func TestStatusOnWorkers(t *testing.T) {
	seen := make(chan int, 2)
	h := HandlerFunc(func(w *ResponseWriter, r *Request) {
		nativeStatusHandler(w, r)
		seen <- w.Status()
	})
	s := startServer(t, h, WithWorkers(1, 0))
	c := dial(t, s)
	for _, path := range []string{"/200", "/404"} {
		c.send(get(path))
		resp := c.read("GET")
		if st := <-seen; st != resp.StatusCode {
			t.Errorf("%s: Status() %d, client got %d", path, st, resp.StatusCode)
		}
	}
}
