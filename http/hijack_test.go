package http

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

const switchHead = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n"

func upgradeReq(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n"
}

// shout is a toy protocol: every byte comes back upper-cased.
func shout(tc *tcp.Conn, in *buffer.Buffer) {
	if in.ReadableBytes() > 0 {
		_ = tc.Send(bytes.ToUpper(in.Peek()))
		in.RetrieveAll()
	}
}

// shoutCallbacks switches a connection to shout; closes counts Close calls.
func shoutCallbacks(closes *atomic.Int32) HijackCallbacks {
	return HijackCallbacks{
		Start: func(tc *tcp.Conn, in *buffer.Buffer) {
			_ = tc.SendString(switchHead)
			shout(tc, in)
		},
		Message: func(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) { shout(tc, in) },
		Close:   func(*tcp.Conn) { closes.Add(1) },
	}
}

// expectBytes reads exactly want from c.
func (c *client) expectBytes(want string) {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c.br, got); err != nil || string(got) != want {
		c.t.Fatalf("read %q (%v), want %q", got, err, want)
	}
}

func TestHijackOnLoop(t *testing.T) {
	var closes atomic.Int32
	rt := testRouter()
	var ctxDone atomic.Value
	rt.GET("/up", func(w *ResponseWriter, r *Request) {
		if !r.IsUpgrade() {
			WriteError(w, 426)
			return
		}
		ctxDone.Store(r.Context().Done())
		if err := w.Hijack(shoutCallbacks(&closes)); err != nil {
			t.Errorf("Hijack: %v", err)
		}
	})
	s := startServer(t, rt)
	c := dial(t, s)
	// An ordinary request before it, and the new protocol's first bytes
	// right behind the upgrade request, all in one write: the first is
	// answered as HTTP, the last are not parsed as HTTP.
	c.send(get("/plaintext") + upgradeReq("/up") + "hello GET / HTTP/1.1\r\n\r\n")
	if r := c.expectStatus("GET", 200); r.body != "Hello, World!" {
		t.Fatalf("body %q", r.body)
	}
	c.expectBytes(switchHead + "HELLO GET / HTTP/1.1\r\n\r\n")
	c.send("more")
	c.expectBytes("MORE")
	st := s.Stats()
	if st.Hijacked != 1 || st.Open != 0 || st.Requests != 2 {
		t.Fatalf("stats: hijacked %d open %d requests %d", st.Hijacked, st.Open, st.Requests)
	}
	// The server's idle timeout no longer applies; the owner's Close
	// callback and the request's context follow the connection.
	_ = c.nc.Close()
	waitFor(t, "Close callback", func() bool { return closes.Load() == 1 })
	select {
	case <-ctxDone.Load().(<-chan struct{}):
	case <-time.After(guard):
		t.Fatal("request context not cancelled when the hijacked connection closed")
	}
}

// A hijacked connection outlives the server's idle timeout: the new owner
// decides when it ends.
func TestHijackIgnoresHTTPTimeouts(t *testing.T) {
	var closes atomic.Int32
	rt := NewRouter()
	rt.GET("/up", func(w *ResponseWriter, _ *Request) { _ = w.Hijack(shoutCallbacks(&closes)) })
	s := startServer(t, rt, WithIdleTimeout(200*time.Millisecond), WithHeaderTimeout(200*time.Millisecond))
	c := dial(t, s)
	c.send(upgradeReq("/up"))
	c.expectBytes(switchHead)
	time.Sleep(2500 * time.Millisecond) // the timeout sweep runs every second
	c.send("still here")
	c.expectBytes("STILL HERE")
}

// A handler that answers an Upgrade request off the loop: nothing after it
// is parsed until it has decided, whether it hijacks or not.
func TestHijackDetached(t *testing.T) {
	var closes atomic.Int32
	rt := NewRouter()
	rt.GET("/up", func(w *ResponseWriter, r *Request) {
		decline := strings.Contains(string(r.Target()), "decline")
		behind := len(get("/plaintext"))
		if !decline {
			behind = len("x\r\n\r\nGET / HTTP/1.1\r\n\r\n")
		}
		w.Detach()
		go func() {
			// Decide only once the bytes behind the request are held by
			// the server, unparsed: a server that parsed them meanwhile
			// fails the test, whatever the scheduling.
			if err := waitHeldInput(w.c, behind); err != nil {
				t.Error(err)
			}
			if decline {
				_, _ = w.WriteString("no")
			} else if err := w.Hijack(shoutCallbacks(&closes)); err != nil {
				t.Errorf("Hijack: %v", err)
			}
			w.Finish()
		}()
	})
	rt.GET("/plaintext", func(w *ResponseWriter, _ *Request) { _, _ = w.WriteString("Hello, World!") })
	for _, workers := range []bool{false, true} {
		var opts []Option
		if workers {
			opts = append(opts, WithWorkers(2, 8))
		}
		s := startServer(t, rt, opts...)
		c := dial(t, s)
		c.send(upgradeReq("/up") + "x\r\n\r\nGET / HTTP/1.1\r\n\r\n")
		c.expectBytes(switchHead + "X\r\n\r\nGET / HTTP/1.1\r\n\r\n")

		// Declined: the upgrade request gets an ordinary answer and the
		// request behind it is then parsed as HTTP.
		c = dial(t, s)
		c.send(upgradeReq("/up?decline") + get("/plaintext"))
		if r := c.expectStatus("GET", 200); r.body != "no" {
			t.Fatalf("declined upgrade answered %q", r.body)
		}
		if r := c.expectStatus("GET", 200); r.body != "Hello, World!" {
			t.Fatalf("request after a declined upgrade answered %q", r.body)
		}
	}
}

func TestHijackRefused(t *testing.T) {
	rt := NewRouter()
	errs := make(chan error, 4)
	rt.GET("/flushed", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString("part")
		_ = w.Flush()
		errs <- w.Hijack(HijackCallbacks{Start: shout, Message: func(*tcp.Conn, *buffer.Buffer, time.Time) {}})
	})
	rt.GET("/nocb", func(w *ResponseWriter, _ *Request) {
		errs <- w.Hijack(HijackCallbacks{})
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/flushed"))
	if r := c.expectStatus("GET", 200); r.body != "part" {
		t.Fatalf("body %q", r.body)
	}
	if err := <-errs; !errors.Is(err, ErrHijackHeadSent) {
		t.Fatalf("Hijack after Flush: %v", err)
	}
	c.send(get("/nocb"))
	c.expectStatus("GET", 200)
	if err := <-errs; !errors.Is(err, ErrHijackCallbacks) {
		t.Fatalf("Hijack without callbacks: %v", err)
	}
}

// Shutdown asks hijacked connections to wind down through their Shutdown
// callback.
func TestHijackShutdown(t *testing.T) {
	var closes atomic.Int32
	cb := shoutCallbacks(&closes)
	cb.Shutdown = func(tc *tcp.Conn) {
		_ = tc.SendString("bye")
		tc.Shutdown()
	}
	rt := NewRouter()
	rt.GET("/up", func(w *ResponseWriter, _ *Request) { _ = w.Hijack(cb) })
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(upgradeReq("/up"))
	c.expectBytes(switchHead)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	c.expectBytes("bye")
	c.expectEOF()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// The net/http adapter implements http.Hijacker: a standard handler takes
// the connection as a net.Conn, as WebSocket libraries do.
func TestAdapterHijack(t *testing.T) {
	handlerDone := make(chan string, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		hj, ok := w.(nethttp.Hijacker)
		if !ok {
			t.Error("the adapter's writer is not an http.Hijacker")
			return
		}
		nc, brw, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		if _, err := w.Write([]byte("x")); !errors.Is(err, nethttp.ErrHijacked) {
			t.Errorf("Write after Hijack: %v", err)
		}
		_, _ = brw.WriteString(switchHead)
		_ = brw.Flush()
		for {
			line, err := brw.ReadString('\n')
			if err != nil {
				handlerDone <- "read: " + err.Error()
				return
			}
			if line == "timeout\n" {
				_ = nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				_, err := brw.ReadByte()
				var ne interface{ Timeout() bool }
				if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
					handlerDone <- "deadline: " + errString(err)
					return
				}
				_ = nc.SetReadDeadline(time.Time{})
				line = "TIMED OUT\n"
			}
			if line == "quit\n" {
				handlerDone <- "quit"
				return
			}
			if _, err := nc.Write([]byte(strings.ToUpper(line))); err != nil {
				handlerDone <- "write: " + err.Error()
				return
			}
		}
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(upgradeReq("/ws") + "first\n")
	c.expectBytes(switchHead + "FIRST\n")
	// A large message both ways exercises the backpressure on both sides.
	big := strings.Repeat("abcdefgh", 128<<10) + "\n"
	go func() { _, _ = io.WriteString(c.nc, big) }()
	c.expectBytes(strings.ToUpper(big))
	c.send("timeout\n")
	c.expectBytes("TIMED OUT\n")
	c.send("quit\n")
	if got := <-handlerDone; got != "quit" {
		t.Fatal(got)
	}
	c.expectEOF() // the handler's Close ends the connection
	if st := s.Stats(); st.Hijacked != 1 {
		t.Fatalf("Hijacked = %d", st.Hijacked)
	}
}

// A client that leaves: the hijacked net.Conn reads EOF.
func TestAdapterHijackPeerClose(t *testing.T) {
	got := make(chan string, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nc, brw, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			got <- err.Error()
			return
		}
		defer nc.Close()
		_, _ = nc.Write([]byte(switchHead))
		b, err := io.ReadAll(brw)
		got <- string(b) + "|" + errString(err)
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(upgradeReq("/ws") + "abc")
	c.expectBytes(switchHead)
	c.send("def")
	_ = c.nc.(interface{ CloseWrite() error }).CloseWrite()
	if g := <-got; g != "abcdef|<nil>" {
		t.Fatalf("handler read %q", g)
	}
	br := bufio.NewReader(c.nc)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("connection still open after the handler closed it")
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// A hijack behind a response still being made: the earlier response goes
// out first, and bytes the client sends meanwhile wait, unread as HTTP,
// for the new protocol.
func TestHijackBehindDetached(t *testing.T) {
	var closes atomic.Int32
	release := make(chan struct{})
	rt := NewRouter()
	rt.GET("/slow", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			<-release
			_, _ = w.WriteString("slow")
			w.Finish()
		}()
	})
	conns := make(chan *conn, 1)
	rt.GET("/up", func(w *ResponseWriter, _ *Request) {
		conns <- w.c
		_ = w.Hijack(shoutCallbacks(&closes))
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/slow") + upgradeReq("/up") + "abc")
	hc := await(t, conns, "the upgrade's handler")
	if err := waitHeldInput(hc, len("abc")); err != nil {
		t.Fatal(err)
	}
	// Sent while the upgrade waits its turn: it reaches the server (the
	// kernel acknowledged it) before the earlier response is released,
	// and is not read as HTTP meanwhile (the connection holds only "abc").
	c.send("GET /plaintext HTTP/1.1\r\n\r\n") // not HTTP any more
	if err := waitDelivered(c.nc); err != nil {
		t.Fatal(err)
	}
	if err := waitHeldInput(hc, len("abc")); err != nil {
		t.Fatal(err)
	}
	close(release)
	if r := c.expectStatus("GET", 200); r.body != "slow" {
		t.Fatalf("body %q", r.body)
	}
	c.expectBytes(switchHead + "ABCGET /PLAINTEXT HTTP/1.1\r\n\r\n")
}

// RegisterOnShutdown tells a WebSocket-style handler behind Adapt that the
// server is shutting down, so it can end its hijacked connection and let
// Shutdown finish before its deadline.
func TestRegisterOnShutdownEndsHijacked(t *testing.T) {
	bye := make(chan struct{})
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nc, _, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		_, _ = nc.Write([]byte(switchHead))
		<-bye
		_, _ = nc.Write([]byte("bye"))
		_ = nc.Close()
	})
	s := startServer(t, Adapt(h))
	s.RegisterOnShutdown(func() { close(bye) })
	c := dial(t, s)
	c.send(upgradeReq("/ws"))
	c.expectBytes(switchHead)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()
	c.expectBytes("bye")
	c.expectEOF()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// waitHeldInput waits until c's connection holds exactly n unparsed input
// bytes after its loop has handled what it read (looked at on the loop,
// so any parsing of them has happened by then). Safe from any goroutine:
// it reports instead of failing the test.
func waitHeldInput(c *conn, n int) error {
	deadline := time.Now().Add(guard)
	for {
		held := -1
		c.ls.loop.RunAndWait(func() { held = c.tc.Input().ReadableBytes() }, guard)
		if held == n {
			return nil
		}
		if held > n || time.Now().After(deadline) {
			return fmt.Errorf("the connection holds %d unparsed bytes, want %d", held, n)
		}
		time.Sleep(time.Millisecond) // polling for bytes still on their way
	}
}
