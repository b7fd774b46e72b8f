//go:build linux

package tcp

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
		waitAcked(t, p) // the FIN is in before the loop looks
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

// waitAcked waits until the peer's kernel has acknowledged everything c
// sent, its FIN included (SIOCOUTQ counts the FIN's sequence number): what
// c sent is then in the server's receive queue, whether or not the server's
// loop has looked.
func waitAcked(t *testing.T, c *net.TCPConn) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(guard)
	for {
		var outq int
		var qerr error
		if err := rc.Control(func(fd uintptr) { outq, qerr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
			t.Fatal(err)
		}
		if qerr != nil {
			t.Fatal(qerr)
		}
		if outq == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes (or the FIN) never acknowledged", outq)
		}
		time.Sleep(time.Millisecond) // polling the kernel's queue
	}
}
