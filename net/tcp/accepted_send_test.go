//go:build linux

package tcp

import (
	"bytes"
	"encoding/binary"
	"io"
	"sync"
	"testing"
	"time"
)

// A Send that returned nil is delivered unless the connection is forced
// shut (ForceClose, a reset): the two ways an accepted send used to be
// dropped, both found by an outside review.

// TestSendBeforePeerFINIsDelivered: bytes sent from another goroutine
// while the loop is busy, then the peer half-closes (no HalfClose
// callback): they go out before the connection closes.
func TestSendBeforePeerFINIsDelivered(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection})
	for range 5 {
		p := dial(t, s)
		c := recv(t, rec.up, "connection")
		block := make(chan struct{})
		c.Loop().QueueInLoop(func() { <-block }) // the flush waits behind this
		if err := c.SendString("answer"); err != nil {
			t.Fatal(err)
		}
		_ = p.CloseWrite()
		time.Sleep(20 * time.Millisecond) // the FIN is in before the loop looks
		close(block)
		_ = p.SetReadDeadline(time.Now().Add(guard))
		got, err := io.ReadAll(p)
		if string(got) != "answer" || err != nil {
			t.Fatalf("peer got %q (%v), want the accepted answer then EOF", got, err)
		}
		recv(t, rec.down, "close")
	}
}

// TestSendRacingShutdownIsAllOrRefused: goroutines send numbered frames
// while another calls Shutdown. Every frame whose Send returned nil
// arrives, in order per sender; the rest were refused with ErrClosed.
func TestSendRacingShutdownIsAllOrRefused(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection})
	for trial := range 20 {
		p := dial(t, s)
		c := recv(t, rec.up, "connection")
		const senders, frames = 4, 200
		accepted := make([]int, senders)
		var wg sync.WaitGroup
		for g := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var f [8]byte
				for i := range frames {
					binary.BigEndian.PutUint32(f[:4], uint32(g))
					binary.BigEndian.PutUint32(f[4:], uint32(i))
					if c.Send(f[:]) != nil {
						return
					}
					accepted[g]++
				}
			}()
		}
		time.Sleep(time.Duration(trial%5) * 100 * time.Microsecond)
		c.Shutdown()
		wg.Wait()
		_ = p.SetReadDeadline(time.Now().Add(guard))
		got, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		next := make([]int, senders)
		for ; len(got) >= 8; got = got[8:] {
			g, i := binary.BigEndian.Uint32(got[:4]), int(binary.BigEndian.Uint32(got[4:8]))
			if g >= senders || i != next[g] {
				t.Fatalf("trial %d: frame %d of sender %d, want %d", trial, i, g, next[g])
			}
			next[g]++
		}
		if len(got) != 0 || !bytes.Equal(intsBytes(next), intsBytes(accepted)) {
			t.Fatalf("trial %d: received %v frames per sender (+%d stray bytes), Send accepted %v", trial, next, len(got), accepted)
		}
		_ = p.Close()
		recv(t, rec.down, "close")
	}
}

func intsBytes(v []int) []byte {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint64(b, uint64(x))
	}
	return b
}
