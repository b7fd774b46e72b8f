//go:build linux

package tcp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

const (
	reqSize  = 64
	respMult = 4 // each request is answered by 4 copies of itself
)

func request(seq uint64) []byte {
	p := make([]byte, reqSize)
	binary.LittleEndian.PutUint64(p, seq)
	for i := 8; i < reqSize; i++ {
		p[i] = byte(seq*13) + byte(i)
	}
	return p
}

// TestSlowReaderBackpressure: a client writes requests and reads nothing
// for a while. The server stops reading at the high-water mark and starts
// again on WriteComplete, so its output queue stays bounded; once the
// client reads, every response arrives, in order, byte-exact.
func TestSlowReaderBackpressure(t *testing.T) {
	const highWater = 1 << 20
	var maxQueued, hwCalls, wcCalls atomic.Int64
	s := startServer(t, Callbacks{
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			for in.ReadableBytes() >= reqSize {
				req := in.Peek()[:reqSize]
				for range respMult {
					_ = c.Send(req)
				}
				in.Retrieve(reqSize)
				if q := int64(c.OutputBytes()); q > maxQueued.Load() {
					maxQueued.Store(q)
				}
			}
		},
		HighWaterMark: func(c *Conn, queued int) {
			hwCalls.Add(1)
			if queued < highWater {
				t.Errorf("HighWaterMark callback with %d queued, below the mark", queued)
			}
			c.StopRead()
		},
		WriteComplete: func(c *Conn) {
			wcCalls.Add(1)
			c.StartRead()
		},
	}, WithHighWaterMark(highWater), WithLoops(1))

	c := dial(t, s)
	// Phase 1: write requests without reading, for a second and at least
	// until the high-water mark was hit. Backpressure ends up blocking the
	// writes; short write deadlines let the loop look at the clock.
	var written int
	var seq uint64
	var pending []byte
	start := time.Now()
	for time.Since(start) < time.Second || hwCalls.Load() == 0 {
		if time.Since(start) > guard {
			t.Fatalf("no HighWaterMark callback after %d bytes of requests", written)
		}
		if len(pending) == 0 {
			for range 64 {
				pending = append(pending, request(seq)...)
				seq++
			}
		}
		_ = c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := c.Write(pending)
		written += n
		pending = pending[n:]
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal(err)
		}
	}
	if q := maxQueued.Load(); q > 4<<20 {
		t.Fatalf("server queued %d bytes for a client that does not read", q)
	}
	t.Logf("phase 1: %d requests written, max queued %d, %d high-water calls", written/reqSize, maxQueued.Load(), hwCalls.Load())

	// Phase 2: read everything; write what is left, then half-close.
	total := int(seq)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = c.SetWriteDeadline(time.Now().Add(guard))
		if _, err := c.Write(pending); err != nil {
			t.Error(err)
		}
		_ = c.CloseWrite()
	}()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	resp := make([]byte, reqSize)
	for i := range total {
		want := request(uint64(i))
		for k := range respMult {
			if _, err := io.ReadFull(c, resp); err != nil {
				t.Fatalf("response %d.%d of %d: %v", i, k, total, err)
			}
			if !bytes.Equal(resp, want) {
				t.Fatalf("response %d.%d differs", i, k)
			}
		}
	}
	if n, err := c.Read(resp); err != io.EOF {
		t.Fatalf("after all responses: %d bytes, %v; want EOF", n, err)
	}
	wg.Wait()
	if q := maxQueued.Load(); q > 4<<20 {
		t.Fatalf("server queued %d bytes", q)
	}
	if wcCalls.Load() == 0 {
		t.Fatal("no WriteComplete callback")
	}
}

// TestWriteCompleteAfterDrain: a large send fires WriteComplete once its
// queue has drained, on the loop, with nothing left queued.
func TestWriteCompleteAfterDrain(t *testing.T) {
	big := pattern(16<<20, 9)
	type wc struct {
		queued int
		inLoop bool
	}
	wcs := make(chan wc, 16)
	queuedAfterSend := make(chan int, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				_ = c.Send(big)
				queuedAfterSend <- c.OutputBytes()
			}
		},
		WriteComplete: func(c *Conn) {
			wcs <- wc{c.OutputBytes(), c.Loop().InLoop()}
		},
	})
	c := dial(t, s)
	if q := recv(t, queuedAfterSend, "send"); q == 0 {
		t.Skip("the kernel took 16 MiB at once; nothing was queued")
	}
	select {
	case <-wcs:
		t.Fatal("WriteComplete before the client read anything")
	default:
	}
	_ = c.SetReadDeadline(time.Now().Add(guard))
	got := make([]byte, len(big))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read: %v", err)
	}
	w := recv(t, wcs, "WriteComplete")
	if w.queued != 0 || !w.inLoop {
		t.Fatalf("WriteComplete with %d queued, on loop %v", w.queued, w.inLoop)
	}
}

// TestStopReadStartRead: with reading stopped the server does not see new
// input; StartRead delivers what waited in the kernel.
func TestStopReadStartRead(t *testing.T) {
	msgs := make(chan string, 16)
	ups := make(chan *Conn, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				ups <- c
			}
		},
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			msgs <- in.RetrieveAllAsString()
		},
	}, WithLoops(1))
	c := dial(t, s)
	sc := recv(t, ups, "up")
	mustWrite(t, c, "one")
	if m := recv(t, msgs, "one"); m != "one" {
		t.Fatalf("got %q", m)
	}
	sc.StopRead()
	// A barrier on the loop: StopRead has taken effect after it.
	onLoop(sc.Loop(), func() {})
	mustWrite(t, c, "two")
	select {
	case m := <-msgs:
		t.Fatalf("message %q delivered while reading was stopped", m)
	case <-time.After(100 * time.Millisecond):
	}
	sc.StartRead()
	if m := recv(t, msgs, "two"); m != "two" {
		t.Fatalf("got %q", m)
	}
}

func mustWrite(t testing.TB, c net.Conn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// TestConnWriteCompleteCallback: a connection's own WriteComplete callback
// replaces the owner's while set, and nil goes back to the owner's (or to
// none, for an owner without one).
func TestConnWriteCompleteCallback(t *testing.T) {
	for _, owner := range []bool{true, false} {
		t.Run(map[bool]string{true: "owner has one", false: "owner has none"}[owner], func(t *testing.T) {
			calls := make(chan string, 16)
			cb := Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
				switch in.RetrieveAllAsString() {
				case "set":
					c.SetWriteCompleteCallback(func(*Conn) { calls <- "own" })
				case "unset":
					c.SetWriteCompleteCallback(nil)
				}
				_ = c.Send([]byte{'.'})
			}}
			if owner {
				cb.WriteComplete = func(*Conn) { calls <- "owner" }
			}
			s := startServer(t, cb)
			c := dial(t, s)
			_ = c.SetReadDeadline(time.Now().Add(guard))
			ack := make([]byte, 1)
			for _, step := range []struct{ send, want string }{
				{"hello", map[bool]string{true: "owner"}[owner]},
				{"set", "own"},
				{"again", "own"},
				{"unset", map[bool]string{true: "owner"}[owner]},
			} {
				if _, err := c.Write([]byte(step.send)); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, ack); err != nil {
					t.Fatalf("%s: %v", step.send, err)
				}
				if step.want == "" {
					select {
					case got := <-calls:
						t.Fatalf("after %q: WriteComplete %q, want none", step.send, got)
					case <-time.After(50 * time.Millisecond):
					}
					continue
				}
				if got := recv(t, calls, "WriteComplete after "+step.send); got != step.want {
					t.Fatalf("after %q: WriteComplete from %q, want %q", step.send, got, step.want)
				}
			}
		})
	}
}
