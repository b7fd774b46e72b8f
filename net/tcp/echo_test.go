//go:build linux

package tcp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// TestEchoConcurrent echoes random payloads of up to 4 MiB on 50 concurrent
// connections and checks every byte, with the accepting loop doing the IO
// and with three IO loops.
func TestEchoConcurrent(t *testing.T) {
	for _, loops := range []int{0, 3} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			testEchoConcurrent(t, loops)
		})
	}
}

func testEchoConcurrent(t *testing.T, loops int) {
	const (
		conns   = 50
		maxSize = 4 << 20
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	// One random pool; each connection echoes its own window of it.
	pool := make([]byte, 2*maxSize)
	for i := 0; i < len(pool); i += 8 {
		binary.LittleEndian.PutUint64(pool[i:], rng.Uint64())
	}
	payloads := make([][]byte, conns)
	for i := range payloads {
		size := maxSize
		if i > 0 {
			// Skewed: a few near 4 MiB, most far smaller.
			size = rng.IntN(maxSize>>rng.IntN(7) + 1)
		}
		off := rng.IntN(len(pool) - size + 1)
		payloads[i] = pool[off : off+size]
	}

	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithLoops(loops))

	var wg sync.WaitGroup
	errs := make(chan error, 2*conns)
	for i, p := range payloads {
		c := dial(t, s)
		wg.Add(2)
		go func() { // writer: random chunk sizes
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)+2))
			for rest := p; len(rest) > 0; {
				n := min(len(rest), 1+r.IntN(256<<10))
				if _, err := c.Write(rest[:n]); err != nil {
					errs <- fmt.Errorf("conn %d: write: %w", i, err)
					return
				}
				rest = rest[n:]
			}
		}()
		go func() { // reader: compares as it goes, no copy of the echo kept
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(guard))
			buf := make([]byte, 64<<10)
			for got := 0; got < len(p); {
				n, err := c.Read(buf[:min(len(buf), len(p)-got)])
				if !bytes.Equal(buf[:n], p[got:got+n]) {
					errs <- fmt.Errorf("conn %d (%d bytes): echo differs in [%d, %d)", i, len(p), got, got+n)
					return
				}
				got += n
				if err != nil {
					errs <- fmt.Errorf("conn %d: read after %d of %d bytes: %w", i, got, len(p), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for range conns {
		recv(t, rec.up, "connection up")
	}
	if n := s.NumConnections(); n != conns {
		t.Errorf("NumConnections = %d, want %d", n, conns)
	}
}

// TestEchoCloseBringsConnectionsDown: after an echo the clients close and
// each server connection goes down exactly once.
func TestEchoCloseBringsConnectionsDown(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithLoops(2))
	var clients []net.Conn
	for range 10 {
		c := dial(t, s)
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 5)
		_ = c.SetReadDeadline(time.Now().Add(guard))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "hello" {
			t.Fatalf("echo: %q %v", got, err)
		}
		clients = append(clients, c)
	}
	ups := map[*Conn]bool{}
	for range clients {
		ups[recv(t, rec.up, "up")] = true
	}
	if n := s.NumConnections(); n != 10 {
		t.Fatalf("NumConnections = %d, want 10", n)
	}
	for _, c := range clients {
		_ = c.Close()
	}
	for range clients {
		c := recv(t, rec.down, "down")
		if !ups[c] {
			t.Fatalf("down for a connection that never came up: %s", c.Name())
		}
		if c.Connected() || !c.Disconnected() {
			t.Fatalf("%s: down callback with Connected=%v Disconnected=%v", c.Name(), c.Connected(), c.Disconnected())
		}
	}
	eventually(t, "NumConnections == 0", func() bool { return s.NumConnections() == 0 })
	for c := range ups {
		if n := rec.downCount(c); n != 1 {
			t.Errorf("%s: %d down callbacks, want 1", c.Name(), n)
		}
	}
}
