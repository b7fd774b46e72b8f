package http

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// shoutHandler is shout as a HijackHandler, counting what the server
// calls; contexts records the tcp context each call saw.
type shoutHandler struct {
	closes, halfCloses, shutdowns atomic.Int32
	sawSelf                       atomic.Bool // the connection's context was the handler itself
}

func (h *shoutHandler) Start(tc *tcp.Conn, in *buffer.Buffer) {
	_ = tc.SendString(switchHead)
	shout(tc, in)
}

func (h *shoutHandler) Message(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) {
	if owner, ok := tc.Data().(*shoutHandler); ok && owner == h {
		h.sawSelf.Store(true)
	}
	shout(tc, in)
}

func (h *shoutHandler) HalfClose(tc *tcp.Conn) { h.halfCloses.Add(1); tc.Shutdown() }

func (h *shoutHandler) Shutdown(tc *tcp.Conn) {
	h.shutdowns.Add(1)
	_ = tc.SendString("bye")
	tc.Shutdown()
}

func (h *shoutHandler) Close(*tcp.Conn) { h.closes.Add(1) }

// HijackWith hands the connection to a HijackHandler: the same handover as
// Hijack, the handler's methods called for each event, and, with no
// request context asked for, the handler itself as the connection's
// context (nothing of the HTTP state kept).
func TestHijackWith(t *testing.T) {
	var h shoutHandler
	rt := testRouter()
	rt.GET("/up", func(w *ResponseWriter, _ *Request) {
		if err := w.HijackWith(&h); err != nil {
			t.Errorf("HijackWith: %v", err)
		}
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/plaintext") + upgradeReq("/up") + "hi")
	c.expectStatus("GET", 200)
	c.expectBytes(switchHead + "HI")
	c.send("there")
	c.expectBytes("THERE")
	if !h.sawSelf.Load() {
		t.Fatal("the hijacked connection's context is not its HijackHandler")
	}
	if st := s.Stats(); st.Hijacked != 1 || st.Open != 0 {
		t.Fatalf("stats: hijacked %d open %d", st.Hijacked, st.Open)
	}
	_ = c.nc.(interface{ CloseWrite() error }).CloseWrite()
	c.expectEOF()
	waitFor(t, "Close", func() bool { return h.closes.Load() == 1 })
	if h.halfCloses.Load() != 1 {
		t.Fatalf("HalfClose called %d times", h.halfCloses.Load())
	}
	if err := rtHijackWithNil(); err != ErrHijackCallbacks {
		t.Fatalf("HijackWith(nil): %v", err)
	}
}

func rtHijackWithNil() error {
	var w ResponseWriter
	return w.HijackWith(nil)
}

// A request whose handler asked for its Context keeps it until the
// hijacked connection closes; Shutdown reaches the handler.
func TestHijackWithContextAndShutdown(t *testing.T) {
	var h shoutHandler
	done := make(chan (<-chan struct{}), 1)
	rt := NewRouter()
	rt.GET("/up", func(w *ResponseWriter, r *Request) {
		done <- r.Context().Done()
		_ = w.HijackWith(&h)
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(upgradeReq("/up"))
	c.expectBytes(switchHead)
	ctxDone := <-done
	select {
	case <-ctxDone:
		t.Fatal("context cancelled while the hijacked connection is open")
	default:
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	c.expectBytes("bye")
	c.expectEOF()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-ctxDone:
	case <-time.After(guard):
		t.Fatal("request context not cancelled when the hijacked connection closed")
	}
	waitFor(t, "Close", func() bool { return h.closes.Load() == 1 })
	if h.shutdowns.Load() != 1 {
		t.Fatalf("Shutdown called %d times", h.shutdowns.Load())
	}
}
