//go:build linux

package tcp

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// TestPartialMessagesKept: a callback that consumes only complete frames
// finds the rest of a frame in the next call, whether frames arrive byte
// by byte, split anywhere, or larger than the loop's read scratch.
func TestPartialMessagesKept(t *testing.T) {
	s := startServer(t, Callbacks{
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			for in.ReadableBytes() >= 4 {
				n := int(binary.BigEndian.Uint32(in.Peek()))
				if in.ReadableBytes() < 4+n {
					return // wait for the rest
				}
				_ = c.Send(in.Peek()[4 : 4+n])
				in.Retrieve(4 + n)
			}
		},
	}, WithLoops(1))
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	var stream, want []byte
	for i := range 300 {
		size := rng.IntN(64)
		if i%25 == 0 {
			size = rng.IntN(3 * buffer.ScratchSize) // spans several reads
		}
		p := pattern(size, byte(i))
		stream = binary.BigEndian.AppendUint32(stream, uint32(size))
		stream = append(stream, p...)
		want = append(want, p...)
	}
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(guard))
	go func() {
		// Split anywhere: single bytes, odd sizes, big chunks.
		for rest := stream; len(rest) > 0; {
			var n int
			switch rng.IntN(3) {
			case 0:
				n = 1
			case 1:
				n = 1 + rng.IntN(7)
			default:
				n = 1 + rng.IntN(100<<10)
			}
			n = min(n, len(rest))
			if _, err := c.Write(rest[:n]); err != nil {
				t.Error(err)
				return
			}
			rest = rest[n:]
		}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("frames reassembled wrongly")
	}
}

// TestLeastLoadedBalance: connections go to the loop with the fewest, and
// a closed connection no longer counts.
func TestLeastLoadedBalance(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection}, WithLoops(3), WithBalance(reactor.LeastLoaded))
	perLoop := map[*reactor.EventLoop]*Conn{}
	clients := map[*Conn]func(){}
	for range 3 {
		cl := dial(t, s)
		c := recv(t, rec.up, "up")
		if perLoop[c.Loop()] != nil {
			t.Fatal("two connections on one loop while another loop had none")
		}
		perLoop[c.Loop()] = c
		clients[c] = func() { _ = cl.Close() }
	}
	for range 3 {
		// Close one connection, then the next one takes its loop.
		var victim *Conn
		for _, c := range perLoop {
			victim = c
			break
		}
		clients[victim]()
		recv(t, rec.down, "down")
		onLoop(victim.Loop(), func() {})
		cl := dial(t, s)
		c := recv(t, rec.up, "up")
		if c.Loop() != victim.Loop() {
			t.Fatal("the new connection did not go to the loop that lost one")
		}
		perLoop[c.Loop()] = c
		clients[c] = func() { _ = cl.Close() }
		for _, l := range s.Loops() {
			if n := l.Load(); n != 1 {
				t.Fatalf("loop load %d, want 1", n)
			}
		}
	}
}
