package http

import (
	"io"
	"testing"
	"time"
)

// TestServerPanicAfterDetach: a handler that detaches and then panics on
// the loop leaves its response's fate unknown (a goroutine may or may not
// have been handed it): the connection is closed without a response, a
// goroutine that does finish it later gets ErrConnClosed or nothing, and
// the server goes on serving other connections.
func TestServerPanicAfterDetach(t *testing.T) {
	late := make(chan error, 1)
	rt := testRouter()
	rt.GET("/detach-panic", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			// Off the loop, the write reaches it only after the panic
			// has been handled: the connection is gone by then.
			_, err := w.WriteString("late")
			w.Finish()
			late <- err
		}()
		panic("after Detach")
	})
	s := startServer(t, rt)
	other := dial(t, s)
	c := dial(t, s)
	c.send(get("/detach-panic") + get("/r/after"))
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(c.br)
	if len(b) != 0 || err != nil && !isReset(err) {
		t.Fatalf("after a panic behind Detach: %q, %v; want the connection closed without a response", b, err)
	}
	select {
	case err := <-late:
		if err != nil && err != ErrConnClosed {
			t.Fatalf("the detached goroutine's write: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("the detached goroutine hung")
	}
	other.send(get("/r/still"))
	if r := other.expectStatus("GET", 200); r.body != "GET /r/still " {
		t.Fatalf("body %q", r.body)
	}
}
