//go:build linux

package tcp

import (
	"net"
	"sync"
	"testing"
	"time"
)

// TestTLSSlotWaitIsBounded: handshakes queued for a slot wait at most one
// handshake timeout more than they may run. With one slot and six clients
// that send a ClientHello and stall, each running handshake holds the
// slot for a whole timeout, so the last ones would get theirs only after
// five; they are closed before, without a byte (their handshake never
// ran), and every connection is accounted a timeout.
func TestTLSSlotWaitIsBounded(t *testing.T) {
	const clients = 6
	s := startServer(t, Callbacks{}, WithTLS(serverTLS(t)),
		WithTLSMaxHandshakes(1), WithTLSHandshakeTimeout(100*time.Millisecond))
	hello := clientHello(t)
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, s)
		if _, err := conns[i].Write(hello); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]int, clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { got[i] = len(readUntilClosed(t, c)) })
	}
	wg.Wait()
	neverRan := 0
	for _, n := range got {
		if n == 0 {
			neverRan++
		}
	}
	if neverRan == 0 {
		t.Fatalf("bytes each client read before the close: %v; want some closed while queued, with none", got)
	}
	checkClean(t, s)
	if st := s.TLSStats(); st.Failures.Timeout != clients {
		t.Fatalf("stats %+v, want %d timeouts", st, clients)
	}
}
