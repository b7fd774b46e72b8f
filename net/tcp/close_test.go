//go:build linux

package tcp

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// byteCount is a connection's input tally, kept in its Context.
type byteCount struct {
	n      int
	crc    uint32
	downAt int // n when the down callback ran; -1 before
	late   bool
}

// countingServer counts (and checksums) every byte each connection
// delivers, optionally echoes it, and reports each connection's tally on
// down.
func countingServer(t *testing.T, echo bool, opts ...Option) (*Server, chan byteCount) {
	downs := make(chan byteCount, 1024)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				c.SetData(&byteCount{downAt: -1})
				return
			}
			bc := c.Data().(*byteCount)
			bc.downAt = bc.n
			downs <- *bc
		},
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			bc := c.Data().(*byteCount)
			if bc.downAt >= 0 {
				bc.late = true
			}
			bc.n += in.ReadableBytes()
			bc.crc = crc32.Update(bc.crc, crc32.IEEETable, in.Peek())
			if echo {
				_ = c.Send(in.Peek())
			}
			in.RetrieveAll()
		},
	}, opts...)
	return s, downs
}

// TestHalfCloseByPeer: the client writes, then CloseWrite. The server
// delivers every byte before the down callback, its echo goes out in full,
// and only then does the client read EOF.
func TestHalfCloseByPeer(t *testing.T) {
	for _, loops := range []int{0, 2} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			s, downs := countingServer(t, true, WithLoops(loops))
			for _, size := range []int{0, 1, 1000, 1 << 20, 8 << 20} {
				payload := pattern(size, byte(size))
				c := dial(t, s)
				_ = c.SetDeadline(time.Now().Add(guard))
				var echoed []byte
				var rerr error
				done := make(chan struct{})
				go func() {
					defer close(done)
					echoed, rerr = io.ReadAll(c) // until EOF
				}()
				if _, err := c.Write(payload); err != nil {
					t.Fatal(err)
				}
				if err := c.CloseWrite(); err != nil {
					t.Fatal(err)
				}
				<-done
				if rerr != nil {
					t.Fatalf("size %d: read: %v", size, rerr)
				}
				if !bytes.Equal(echoed, payload) {
					t.Fatalf("size %d: echo of %d bytes differs (got %d)", size, size, len(echoed))
				}
				bc := recv(t, downs, "down")
				if bc.downAt != size || bc.crc != crc32.ChecksumIEEE(payload) {
					t.Fatalf("size %d: down callback after %d bytes (crc %x, want %x)", size, bc.downAt, bc.crc, crc32.ChecksumIEEE(payload))
				}
			}
		})
	}
}

// TestWriteThenCloseDeliversEverything: bytes a peer writes just before it
// closes reach the message callback before the down callback, every time.
func TestWriteThenCloseDeliversEverything(t *testing.T) {
	s, downs := countingServer(t, false, WithLoops(2))
	const (
		rounds  = 200
		workers = 4
	)
	seed := uint64(time.Now().UnixNano())
	want := make(chan byteCount, rounds)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for range rounds / workers {
				p := pattern(1+rng.IntN(256<<10), byte(rng.Uint32()))
				c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Write(p); err != nil {
					t.Error(err)
					return
				}
				_ = c.Close()
				want <- byteCount{n: len(p), crc: crc32.ChecksumIEEE(p)}
			}
		}()
	}
	wg.Wait()
	close(want)
	expect := map[byteCount]int{}
	for w := range want {
		expect[w]++
	}
	for range rounds {
		bc := recv(t, downs, "down")
		if bc.late {
			t.Errorf("message callback after the down callback")
		}
		key := byteCount{n: bc.downAt, crc: bc.crc}
		if expect[key] == 0 {
			t.Errorf("a connection went down after %d bytes (crc %x): no client sent exactly that", bc.downAt, bc.crc)
			continue
		}
		expect[key]--
	}
	eventually(t, "NumConnections == 0", func() bool { return s.NumConnections() == 0 })
}

// TestPeerResetMidWrite: the server has 16 MiB queued for a client that
// resets the connection. The server closes it (down callback), does not
// leak the fd, and goes on serving. (16 MiB: far more than the socket
// buffers of a client that does not read take, which the queued check
// proves; it was 64 MiB, whose copies and reads under -race on a loaded
// 2-core machine ran past the 30 s failure bounds.)
func TestPeerResetMidWrite(t *testing.T) {
	for _, loops := range []int{0, 1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			big := pattern(16<<20, 1)
			rec := newRecorder()
			queued := make(chan int, 16)
			s := startServer(t, Callbacks{
				Connection: func(c *Conn) {
					rec.onConnection(c)
					if c.Connected() {
						_ = c.Send(big)
						queued <- c.OutputBytes()
					}
				},
				Message: echoMessage,
			}, WithLoops(loops))
			base := fdCount(t)
			for round := range 3 {
				c := dialRaw(t, s.Addr())
				sc := recv(t, rec.up, "up")
				if q := recv(t, queued, "queued"); q == 0 {
					t.Fatalf("round %d: nothing queued; the test needs the server mid-write", round)
				}
				// Take a little so the server is writing, then reset.
				buf := make([]byte, 256<<10)
				if err := c.readFull(buf); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf, big[:len(buf)]) {
					t.Fatal("first bytes differ")
				}
				c.closeRST()
				d := recv(t, rec.down, "down")
				if d != sc {
					t.Fatalf("down for %s, want %s", d.Name(), sc.Name())
				}
				if n := rec.downCount(sc); n != 1 {
					t.Fatalf("%d down callbacks, want 1", n)
				}
				if err := sc.Send([]byte("x")); err != ErrClosed {
					t.Fatalf("Send after reset: %v, want ErrClosed", err)
				}
			}
			eventually(t, "fds back to baseline", func() bool { return fdCount(t) <= base })
			if n := s.NumConnections(); n != 0 {
				t.Fatalf("NumConnections = %d", n)
			}
			// Still serving: a new client gets the queued stream and an echo.
			c := dial(t, s)
			recv(t, rec.up, "up")
			<-queued
			// A failure bound only: 16 MiB under -race on a loaded machine
			// can take a while.
			_ = c.SetDeadline(time.Now().Add(4 * guard))
			got := make([]byte, len(big))
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, big) {
				t.Fatalf("new client: %v", err)
			}
			_ = c.SetDeadline(time.Now().Add(guard))
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, got[:4]); err != nil || string(got[:4]) != "ping" {
				t.Fatalf("echo: %q %v", got[:4], err)
			}
		})
	}
}

// TestPeerResetWhileNotReading: a connection whose reading is stopped
// (backpressure) still notices a reset, with output queued or without.
func TestPeerResetWhileNotReading(t *testing.T) {
	for _, queue := range []bool{false, true} {
		t.Run(fmt.Sprintf("queued=%v", queue), func(t *testing.T) {
			rec := newRecorder()
			ready := make(chan struct{}, 1)
			s := startServer(t, Callbacks{
				Connection: func(c *Conn) {
					rec.onConnection(c)
					if c.Connected() {
						c.StopRead()
						if queue {
							_ = c.Send(pattern(16<<20, 2))
						}
						ready <- struct{}{}
					}
				},
			})
			c := dialRaw(t, s.Addr())
			sc := recv(t, rec.up, "up")
			recv(t, ready, "ready")
			if err := c.writeAll([]byte("unread")); err != nil {
				t.Fatal(err)
			}
			c.closeRST()
			if d := recv(t, rec.down, "down"); d != sc {
				t.Fatal("wrong connection down")
			}
		})
	}
}
