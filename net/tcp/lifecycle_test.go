//go:build linux

package tcp

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// Lifecycle edges an outside review found: calls racing or following the
// end of a client or server must neither hang nor leak.

// within runs f and fails the test if it has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s hangs", what)
	}
}

// TestServerMethodsAfterClose: ForEachConn, StopAccepting and friends
// waited for ever on loops that had finished; Start after a Close that came
// before any Start is ErrServerClosed.
func TestServerMethodsAfterClose(t *testing.T) {
	for _, loops := range []int{0, 2} {
		s := startServer(t, Callbacks{}, WithLoops(loops))
		_ = s.Close()
		within(t, guard, "ForEachConn after Close", func() { s.ForEachConn(func(*Conn) {}) })
		within(t, guard, "StopAccepting after Close", s.StopAccepting)
		within(t, guard, "Shutdown after Close", func() { _ = s.Shutdown(context.Background()) })
		within(t, guard, "Close again", func() { _ = s.Close() })
	}
	s := NewServer(WithLogger(quietLogger))
	_ = s.Close()
	if err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		_ = s.Close()
		t.Fatalf("Start after Close = %v, want ErrServerClosed", err)
	}
}

// TestClientStopRacingConnect: whichever of Connect and Stop comes first,
// after Stop the client's loop has stopped and it holds no socket.
func TestClientStopRacingConnect(t *testing.T) {
	s := startServer(t, Callbacks{Message: echoMessage})
	before := fdCount(t)
	for i := range 100 {
		c, err := NewClient(s.Addr().String(), WithLogger(quietLogger), WithRetry(true))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); c.Connect() }()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%7) * 50 * time.Microsecond)
			c.Stop()
		}()
		within(t, guard, "Connect racing Stop", wg.Wait)
		if c.Loop().Running() {
			c.Loop().Quit()
			t.Fatalf("round %d: the client's loop runs on after Stop", i)
		}
	}
	eventually(t, "the server to see every client go", func() bool { return s.NumConnections() == 0 })
	// The portable backend closes a socket on its writer goroutine, just
	// after the close: wait for the count rather than read it once.
	eventually(t, "the fd count back at its baseline after 100 stopped clients", func() bool { return fdCount(t) <= before })
}

// TestHighWaterMarkNotAfterDown: the high-water-mark callback, queued when
// a send crosses the mark, does not run for a connection that went down
// before it could (here a timer may close it first; whether the callback
// runs before the close depends on the loop's order, but never after).
func TestHighWaterMarkNotAfterDown(t *testing.T) {
	events := make(chan string, 16) // every callback, in the loop's order
	up := make(chan *Conn, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				up <- c
				return
			}
			events <- "down"
		},
		HighWaterMark: func(*Conn, int) { events <- "hwm" },
	}, WithHighWaterMark(1<<20))
	for range 10 {
		p := dial(t, s)
		_ = p.SetReadBuffer(4 << 10)
		c := recv(t, up, "connection")
		block := make(chan struct{})
		c.Loop().QueueInLoop(func() { <-block }) // what follows lands in one batch
		if err := c.Send(make([]byte, 8<<20)); err != nil {
			t.Fatal(err)
		}
		c.ForceCloseWithDelay(0)
		close(block)
		for e := recv(t, events, "an event"); e != "down"; e = recv(t, events, "down") {
		}
		select {
		case e := <-events:
			t.Fatalf("%s after the down callback", e)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestClientBacksOffFromShortConnections: against a server that accepts
// and closes at once, a retrying client used to reconnect in a tight loop
// (thousands of connections a second). A connection lost before
// StableConnection now counts as a failed attempt: the next one waits the
// retry delay, which doubles (0, 0.5 s, 1 s). The test waits for the third
// connection and checks the gaps between accepts from below only (each
// retry timer starts after the server closed the previous connection), so
// a slow machine can only make them longer.
func TestClientBacksOffFromShortConnections(t *testing.T) {
	accepted := make(chan time.Time, 16)
	s := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			select {
			case accepted <- time.Now():
			default:
			}
			c.ForceClose()
		}
	}})
	c, err := NewClient(s.Addr().String(), WithLogger(quietLogger), WithRetry(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	c.Connect()
	var at [3]time.Time
	for i := range at {
		at[i] = recv(t, accepted, "a connection")
	}
	const slack = 20 * time.Millisecond // clock granularity only
	if gap := at[1].Sub(at[0]); gap < InitialRetryDelay-slack {
		t.Fatalf("second connection %v after the first, want the backoff's %v", gap, InitialRetryDelay)
	}
	if gap := at[2].Sub(at[1]); gap < 2*InitialRetryDelay-slack {
		t.Fatalf("third connection %v after the second, want the backoff's %v", gap, 2*InitialRetryDelay)
	}
	if n := c.connector.Attempts.Load(); n > 4 {
		t.Fatalf("%d connect attempts for 3 connections", n)
	}
}
