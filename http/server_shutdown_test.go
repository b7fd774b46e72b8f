package http

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// holdRouter's /hold detaches and answers once release is closed; started
// gets a value when it begins.
func holdRouter(started chan<- struct{}, release <-chan struct{}) *Router {
	rt := testRouter()
	rt.GET("/hold", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		started <- struct{}{}
		go func() {
			<-release
			_, _ = w.WriteString("held")
			w.Finish()
		}()
	})
	return rt
}

func refused(s *Server) bool {
	nc, err := net.DialTimeout("tcp", s.Addr().String(), time.Second)
	if err == nil {
		_ = nc.Close()
	}
	return err != nil
}

// TestServerShutdown: idle keep-alive connections are closed at once; a
// request in flight completes with Connection: close; a request whose head
// is still arriving is answered with Connection: close; new connections
// are refused; Shutdown returns nil once all is done.
func TestServerShutdown(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	s := startServer(t, holdRouter(started, release))
	busy, idle, partial := dial(t, s), dial(t, s), dial(t, s)
	idle.send(get("/plaintext"))
	idle.expectStatus("GET", 200)
	busy.send(get("/hold"))
	<-started
	partial.send("GET /r/late HTTP/1.1\r\n")
	waitFor(t, "three connections", func() bool { return s.Stats().Open == 3 })

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	idle.expectEOF()
	if !s.Draining() {
		t.Fatal("Draining() false during Shutdown")
	}
	waitFor(t, "new connections to be refused", func() bool { return refused(s) })

	partial.send("Host: x\r\n\r\n")
	r := partial.expectStatus("GET", 200)
	checkClose(t, r)
	partial.expectEOF()

	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	r = busy.expectStatus("GET", 200)
	if r.body != "held" {
		t.Fatalf("body %q", r.body)
	}
	checkClose(t, r)
	busy.expectEOF()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestServerShutdownDeadline: when ctx ends first, what is left is closed
// by force and Shutdown reports ctx's error.
func TestServerShutdownDeadline(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	s := startServer(t, holdRouter(started, release))
	c := dial(t, s)
	c.send(get("/hold"))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	c.expectEOF()
	if !refused(s) {
		t.Fatal("still accepting after Shutdown")
	}
}

// TestServerClose: Close ends every connection at once and makes
// ListenAndServe return ErrServerClosed.
func TestServerClose(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	l, err := net.Listen("tcp", "127.0.0.1:0") // find a free port
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s := NewServer(holdRouter(started, release), WithLogger(quietLogger), WithLoops(2))
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe(addr) }()
	var nc net.Conn
	waitFor(t, "the server to accept", func() bool {
		nc, err = net.Dial("tcp", addr)
		return err == nil
	})
	busy := &client{t: t, nc: nc, br: bufio.NewReader(nc)}
	t.Cleanup(func() { _ = nc.Close() })
	busy.send(get("/hold"))
	// The handler ran on a loop that Start started: from here on the
	// server's fields set by Start may be read without a data race.
	<-started
	idle := dial(t, s)
	idle.send(get("/json"))
	idle.expectStatus("GET", 200)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	busy.expectEOF()
	idle.expectEOF()
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe: %v", err)
	}
	if !refused(s) {
		t.Fatal("still accepting after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after Close: %v", err)
	}
}

// TestServerNoFDLeak: after a server has served, timed out, refused and
// closed connections, and been closed, the process holds no more file
// descriptors than before (goroutines are checked by TestMain).
func TestServerNoFDLeak(t *testing.T) {
	before := openFDs(t)
	func() {
		s := NewServer(testRouter(), WithLogger(quietLogger), WithLoops(2), WithWorkers(2, 0),
			WithIdleTimeout(100*time.Millisecond), WithLingerTimeout(100*time.Millisecond))
		if err := s.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var conns []*client
		for i := range 8 {
			c := dial(t, s)
			conns = append(conns, c)
			switch i % 4 {
			case 0:
				c.send(get("/plaintext"))
				c.expectStatus("GET", 200)
			case 1:
				c.send("GET / HTTP/9.9\r\n\r\n")
				c.read("GET")
				c.expectEOF()
			case 2:
				c.send(get("/json"))
				c.expectStatus("GET", 200)
				c.expectEOF() // idle timeout
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range conns {
			_ = c.nc.Close()
		}
	}()
	waitFor(t, "file descriptors back to the baseline", func() bool { return openFDs(t) <= before })
}
