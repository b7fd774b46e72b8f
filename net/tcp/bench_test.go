//go:build linux

package tcp

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// pingPonger is a blocking client that echoes 64-byte messages through a
// server with raw syscalls on preallocated buffers: it allocates nothing,
// so every allocation the runtime counts during a round trip is the
// server's.
type pingPonger struct {
	fd       int
	msg, got []byte
}

func newPingPonger(t testing.TB, s *Server) *pingPonger {
	r := dialRaw(t, s.Addr())
	t.Cleanup(r.close)
	tv := unix.NsecToTimeval(guard.Nanoseconds())
	_ = unix.SetsockoptTimeval(r.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	_ = unix.SetsockoptInt(r.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	p := &pingPonger{fd: r.fd, msg: pattern(64, 11), got: make([]byte, 64)}
	for range 100 { // warm up: buffers and pools reach their steady state
		if err := p.roundTrip(); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p *pingPonger) roundTrip() error {
	for sent := 0; sent < len(p.msg); {
		n, err := unix.Write(p.fd, p.msg[sent:])
		if err == unix.EINTR { // async preemption signals interrupt syscalls
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %v", err)
		}
		sent += n
	}
	for got := 0; got < len(p.got); {
		n, err := unix.Read(p.fd, p.got[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return fmt.Errorf("read: %d, %v", n, err)
		}
		got += n
	}
	if string(p.got) != string(p.msg) { // compiled to a compare, no allocation
		return fmt.Errorf("echo differs")
	}
	return nil
}

// BenchmarkEcho64 is a steady-state echo of 64-byte messages over loopback
// through the server: one round trip per op. The client allocates nothing,
// so B/op and allocs/op are the server's.
func BenchmarkEcho64(b *testing.B) {
	for _, loops := range []int{0, 1} {
		b.Run(fmt.Sprintf("loops=%d", loops), func(b *testing.B) {
			s := startServer(b, Callbacks{Message: echoMessage}, WithLoops(loops))
			p := newPingPonger(b, s)
			b.ReportAllocs()
			b.SetBytes(64)
			for b.Loop() {
				if err := p.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEchoSteadyStateAllocatesNothing: the echo server's steady state
// allocates nothing per message (process-wide count; the client allocates
// nothing itself).
func TestEchoSteadyStateAllocatesNothing(t *testing.T) {
	for _, loops := range []int{0, 1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			s := startServer(t, Callbacks{Message: echoMessage}, WithLoops(loops))
			p := newPingPonger(t, s)
			var err error
			allocs := testing.AllocsPerRun(2000, func() {
				if e := p.roundTrip(); e != nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if allocs > 0.01 {
				t.Fatalf("%.3f allocations per echoed message, want 0", allocs)
			}
		})
	}
}
