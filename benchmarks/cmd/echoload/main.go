// Command echoload drives an echo server with ping-pong connections: each
// connection writes one B-byte message and reads B bytes back before sending
// the next, and checks that what came back is what it sent. Run it with
// GOMAXPROCS=1 on its own CPU (the runner does: taskset -c 1).
//
// With -ws PATH each connection first upgrades to WebSocket at PATH and
// every message is one masked binary frame; the echo must come back as
// exactly one unmasked binary frame with the same payload.
//
// Output (one line each): BEGIN, END, then
// RESULT msgs=N bytes=N secs=S msgs_per_s=X mib_per_s=Y errors=E
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/window"
	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/wsframe"
)

var (
	wsPath     string // -ws
	msgs, errs atomic.Int64
	stop       atomic.Bool
	gate       window.Gate
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "server address")
	conns := flag.Int("conns", 100, "connections")
	size := flag.Int("size", 64, "message size in bytes")
	dur := flag.Duration("duration", 10*time.Second, "measured window")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "load before the window opens")
	ctl := flag.Bool("ctl", false, "counting mode: pause around the window and wait for stdin (see internal/window)")
	flag.StringVar(&wsPath, "ws", "", "upgrade to WebSocket at this path and echo binary frames")
	flag.Parse()

	cs := make([]net.Conn, 0, *conns)
	for i := 0; i < *conns; i++ {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("dial %d: %v", i, err)
		}
		if wsPath != "" {
			if err := wsframe.Handshake(c, *addr, wsPath); err != nil {
				log.Fatalf("conn %d: %v", i, err)
			}
		}
		cs = append(cs, c)
	}
	var wg sync.WaitGroup
	per := make([]atomic.Int64, len(cs)) // per-connection progress
	for i, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); pingPong(c, i, *size, &per[i]) }()
	}
	var snap []int64
	wc := window.Config{Warmup: *warmup, Duration: *dur, Ctl: *ctl, Gate: &gate,
		Count: func() (int64, int64) {
			snap = snapshot(per, snap)
			m := msgs.Load()
			return m, m * int64(*size)
		}}
	n, _, el := window.Run(wc)
	stalled := stalledConns(per, snap)
	stop.Store(true)
	window.Release(wc)
	// Unblock any connection stuck on a server that stopped answering.
	for _, c := range cs {
		_ = c.SetDeadline(time.Now().Add(time.Second))
	}
	wg.Wait()
	secs := el.Seconds()
	if stalled > 0 {
		errs.Add(int64(stalled))
		log.Printf("%d of %d connections completed no message in the window", stalled, len(cs))
	}
	fmt.Printf("RESULT msgs=%d bytes=%d secs=%.3f msgs_per_s=%.0f mib_per_s=%.2f errors=%d stalled=%d\n",
		n, n*int64(*size), secs, float64(n)/secs, float64(n*int64(*size))/secs/(1<<20), errs.Load(), stalled)
	if errs.Load() > 0 {
		os.Exit(1)
	}
}

// pingPong stamps each message with the connection number and a sequence so
// a server that mixes up buffers between connections or messages is caught.
func pingPong(c net.Conn, id, size int, done *atomic.Int64) {
	defer c.Close()
	out := make([]byte, size)
	in := make([]byte, size)
	var frame []byte
	key := [4]byte{byte(id), 0x5a, byte(id >> 8), 0xa5}
	if wsPath != "" {
		in = make([]byte, wsframe.ServerHeaderLen(size)+size)
	}
	for i := range out {
		out[i] = byte(id + i)
	}
	for seq := 0; !stop.Load(); seq++ {
		if size >= 8 {
			for k := 0; k < 8; k++ {
				out[k] = byte(seq >> (8 * k))
			}
		}
		var err error
		if wsPath != "" {
			frame = wsframe.AppendClientFrame(frame[:0], out, key)
			err = wsRoundTrip(c, frame, out, in)
		} else {
			err = roundTrip(c, out, in)
		}
		if err != nil {
			if err == errMismatch {
				errs.Add(1)
				log.Printf("conn %d: %v", id, err)
			} else {
				failed(id, err)
			}
			return
		}
		msgs.Add(1)
		done.Add(1)
	}
}

// snapshot copies per-connection counters; the window calls Count at its
// start (first snapshot kept in prev) and end.
func snapshot(per []atomic.Int64, prev []int64) []int64 {
	if prev != nil {
		return prev
	}
	s := make([]int64, len(per))
	for i := range per {
		s[i] = per[i].Load()
	}
	return s
}

// stalledConns counts connections that made no progress since the start
// snapshot: a server that serves most connections but starves some must not
// pass as merely slower.
func stalledConns(per []atomic.Int64, start []int64) int {
	n := 0
	for i := range per {
		if per[i].Load() == start[i] {
			n++
		}
	}
	return n
}

var errMismatch = errors.New("echoed bytes differ from sent bytes")

// roundTrip is one gated message: a pause waits for it to complete.
func roundTrip(c net.Conn, out, in []byte) error {
	gate.Enter()
	defer gate.Leave()
	if _, err := c.Write(out); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return errMismatch
	}
	return nil
}

// wsRoundTrip is roundTrip for one WebSocket frame: in must come back as
// one server frame carrying want.
func wsRoundTrip(c net.Conn, frame, want, in []byte) error {
	gate.Enter()
	defer gate.Leave()
	if _, err := c.Write(frame); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !wsframe.CheckServerFrame(in, want) {
		return errMismatch
	}
	return nil
}

func failed(id int, err error) {
	if stop.Load() {
		return // deadline set during shutdown, not a server fault
	}
	errs.Add(1)
	log.Printf("conn %d: %v", id, err)
}
