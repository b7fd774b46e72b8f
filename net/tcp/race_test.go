//go:build linux

package tcp

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// serverFd reads a server connection's fd on its loop (-1 once closed).
func serverFd(c *Conn) int {
	var fd int
	onLoop(c.Loop(), func() { fd = c.ch.Fd() })
	return fd
}

// waitClosed waits for c's down callback and then for the rest of its
// handleClose (the fd is closed after the callback returns) by running a
// no-op on its loop.
func waitClosed(t *testing.T, rec *recorder, c *Conn) {
	t.Helper()
	if d := recv(t, rec.down, "down "+c.Name()); d != c {
		t.Fatalf("down for %s, want %s", d.Name(), c.Name())
	}
	onLoop(c.Loop(), func() {})
}

// dialReuse opens a new connection and checks that the server gave it fd.
func dialReuse(t *testing.T, rec *recorder, s *Server, fd int) (*rawConn, *Conn) {
	t.Helper()
	b := dialRaw(t, s.Addr())
	sb := recv(t, rec.up, "up (reuse)")
	if got := serverFd(sb); got != fd {
		b.close()
		t.Fatalf("the new connection got fd %d, not the closed connection's %d: the test can not check reuse", got, fd)
	}
	return b, sb
}

// checkEcho asserts that the client gets exactly its own bytes back first.
func checkEcho(t *testing.T, r *rawConn) {
	t.Helper()
	if err := r.writeAll([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if err := r.readFull(got); err != nil || string(got) != "ping" {
		t.Fatalf("echo on the new connection: %q, %v", got, err)
	}
}

// TestSendFromManyGoroutinesWhileClosing: 32 goroutines send on one
// connection while it closes, by the server or by the peer. Nothing panics
// or races, every Send after the close returns ErrClosed, the connection
// goes down once, and a new connection that reuses the fd receives none of
// the old connection's bytes.
func TestSendFromManyGoroutinesWhileClosing(t *testing.T) {
	modes := []string{"server-forceclose", "server-shutdown", "peer-close", "peer-reset", "peer-close+concurrent-forceclose"}
	for _, loops := range []int{0, 2} {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("loops=%d/%s", loops, mode), func(t *testing.T) {
				rec := newRecorder()
				s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithLoops(loops))
				for range 3 {
					sendWhileClosing(t, rec, s, mode)
				}
			})
		}
	}
}

func sendWhileClosing(t *testing.T, rec *recorder, s *Server, mode string) {
	a := dialRaw(t, s.Addr())
	sa := recv(t, rec.up, "up")
	fd := serverFd(sa)

	// The client drains what the server sends until told to stop.
	var stopReading atomic.Bool
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 64<<10)
		for !stopReading.Load() {
			n, err := a.read(buf, 20*time.Millisecond)
			if n == 0 && err == nil || err != nil && err != unix.EAGAIN {
				return
			}
		}
	}()

	const senders = 32
	var sent atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bytes.Repeat([]byte{'A'}, 1+g*97)
			var b buffer.Buffer
			for {
				var err error
				switch g % 4 {
				case 0:
					err = sa.Send(p)
				case 1:
					err = sa.SendString(string(p))
				case 2:
					err = sa.Sendv(p[:len(p)/2], p[len(p)/2:])
				case 3:
					b.Append(p)
					err = sa.SendBuffer(&b)
				}
				if err == ErrClosed {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				sent.Add(1)
			}
		}()
	}
	eventually(t, "sends", func() bool { return sent.Load() > 2000 })

	switch mode {
	case "server-forceclose":
		sa.ForceClose()
	case "server-shutdown":
		sa.Shutdown() // the peer sees EOF and closes
		stopReading.Store(true)
		<-readerDone
		a.close()
	case "peer-close":
		stopReading.Store(true)
		<-readerDone
		a.close()
	case "peer-reset":
		stopReading.Store(true)
		<-readerDone
		a.closeRST()
	case "peer-close+concurrent-forceclose":
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !sa.Disconnected() {
					sa.ForceClose()
					sa.Shutdown()
				}
			}()
		}
		stopReading.Store(true)
		<-readerDone
		a.close()
	}
	waitClosed(t, rec, sa)
	for _, err := range []error{sa.Send([]byte("x")), sa.SendString("x"), sa.Sendv([]byte("x")), sa.SendBuffer(&buffer.Buffer{})} {
		if err != ErrClosed {
			t.Fatalf("send after the down callback: %v, want ErrClosed", err)
		}
	}
	b, sb := dialReuse(t, rec, s, fd)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Send: %v", err)
	}
	stopReading.Store(true)
	<-readerDone
	a.close()
	// Whatever the senders queued has been flushed or dropped by now (their
	// flush functors ran before this barrier).
	onLoop(sa.Loop(), func() {})
	b.expectSilence(t, 100*time.Millisecond)
	checkEcho(t, b)
	if n := rec.downCount(sa); n != 1 {
		t.Fatalf("%d down callbacks for one connection", n)
	}
	if !sb.Connected() || rec.downCount(sb) != 0 {
		t.Fatal("the new connection is not up")
	}
	if n := s.NumConnections(); n != 1 {
		t.Fatalf("NumConnections = %d, want 1", n)
	}
	b.close()
	waitClosed(t, rec, sb)
}

// TestStaleConnNeverReachesReusedFd keeps the *Conn of a closed connection
// and uses every method on it, from another goroutine and from the loop,
// while a new connection owns the same fd number.
func TestStaleConnNeverReachesReusedFd(t *testing.T) {
	for _, loops := range []int{0, 2} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			rec := newRecorder()
			s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithLoops(loops))
			a := dialRaw(t, s.Addr())
			sa := recv(t, rec.up, "up")
			fd := serverFd(sa)
			a.close()
			waitClosed(t, rec, sa)
			if got := serverFd(sa); got != -1 {
				t.Fatalf("closed Conn still holds fd %d", got)
			}
			b, sb := dialReuse(t, rec, s, fd)

			stale := func(where string) {
				var bb buffer.Buffer
				bb.AppendString("stale")
				for i, err := range []error{sa.Send([]byte("stale")), sa.SendString("stale"), sa.Sendv([]byte("st"), []byte("ale")), sa.SendBuffer(&bb),
					sa.SetTCPNoDelay(false), sa.SetKeepAlive(true, time.Second)} {
					if err != ErrClosed {
						t.Errorf("%s: stale call %d: %v, want ErrClosed", where, i, err)
					}
				}
				if bb.ReadableBytes() != 5 {
					t.Errorf("%s: SendBuffer consumed the buffer of a failed send", where)
				}
				sa.StopRead()
				sa.Shutdown()
				sa.ForceClose()
				sa.ForceCloseWithDelay(time.Millisecond)
				sa.StartRead()
			}
			stale("off loop")
			onLoop(sa.Loop(), func() { stale("on loop") })
			time.Sleep(20 * time.Millisecond) // past the 1 ms ForceCloseWithDelay
			onLoop(sa.Loop(), func() {})

			b.expectSilence(t, 100*time.Millisecond)
			checkEcho(t, b)
			if !sb.Connected() || rec.downCount(sb) != 0 {
				t.Fatal("the new connection was closed by calls on the stale one")
			}
			onLoop(sb.Loop(), func() {
				if v, err := getsockoptInt(sb.ch.Fd(), unix.IPPROTO_TCP, unix.TCP_NODELAY); err != nil || v == 0 {
					t.Errorf("TCP_NODELAY on the new connection: %d, %v (the stale SetTCPNoDelay(false) reached it?)", v, err)
				}
				if v, err := getsockoptInt(sb.ch.Fd(), unix.SOL_SOCKET, unix.SO_KEEPALIVE); err != nil || v != 0 {
					t.Errorf("SO_KEEPALIVE on the new connection: %d, %v", v, err)
				}
			})
			if n := rec.downCount(sa); n != 1 {
				t.Fatalf("%d down callbacks for the stale connection", n)
			}
			b.close()
			waitClosed(t, rec, sb)
		})
	}
}

// TestForceCloseRacesPeerClose: goroutines keep calling ForceClose while the
// peer closes. The connection must go down exactly once and the server's
// connection count must not go negative.
func TestForceCloseRacesPeerClose(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection}, WithLoops(1))
	for range 50 {
		a := dialRaw(t, s.Addr())
		sa := recv(t, rec.up, "up")
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for !sa.Disconnected() {
					if g%2 == 0 {
						sa.ForceClose()
					} else {
						sa.ForceCloseWithDelay(0)
					}
				}
			}()
		}
		close(start)
		a.close()
		wg.Wait()
		waitClosed(t, rec, sa)
		onLoop(sa.Loop(), func() {}) // let any extra close run
		if n := rec.downCount(sa); n != 1 {
			t.Fatalf("%d down callbacks", n)
		}
		if n := s.NumConnections(); n != 0 {
			t.Fatalf("NumConnections = %d, want 0", n)
		}
	}
}
