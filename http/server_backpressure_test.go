package http

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// connMemory is what the server holds for one connection's responses:
// the tcp output queue, the loop's unsent batch and the pipeline slots.
type connMemory struct {
	output, batch, slots, slotBytes int
}

// memoryOf reads every connection's response memory, on its loop.
func memoryOf(s *Server) []connMemory {
	var res []connMemory
	s.tcp.ForEachConn(func(tc *tcp.Conn) {
		c, ok := tc.Data().(*conn)
		if !ok {
			return
		}
		m := connMemory{output: tc.OutputBytes(), batch: len(c.ls.out)}
		for sl := c.head; sl != nil; sl = sl.next {
			m.slots++
			m.slotBytes += len(sl.buf)
		}
		res = append(res, m)
	})
	return res
}

// TestServerMaxPipeline: with WithMaxPipeline(2) no more than two slow
// detached handlers run at once for a connection, and a client
// pipelining 50 requests still gets all 50, in order.
func TestServerMaxPipeline(t *testing.T) {
	var running, peak atomic.Int32
	rt := testRouter()
	rt.GET("/slow", func(w *ResponseWriter, r *Request) {
		tag := string(r.Target())
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		w.Detach()
		go func() {
			time.Sleep(2 * time.Millisecond)
			running.Add(-1)
			_, _ = w.WriteString(tag)
			w.Finish()
		}()
	})
	s := startServer(t, rt, WithMaxPipeline(2))
	c := dial(t, s)
	var b strings.Builder
	for i := range 50 {
		if i%5 == 4 {
			b.WriteString(get(fmt.Sprintf("/r/%d", i)))
		} else {
			b.WriteString(get(fmt.Sprintf("/slow?%d", i)))
		}
	}
	c.send(b.String())
	for i := range 50 {
		want := fmt.Sprintf("/slow?%d", i)
		if i%5 == 4 {
			want = fmt.Sprintf("GET /r/%d ", i)
		}
		if r := c.expectStatus("GET", 200); r.body != want {
			t.Fatalf("response %d: %q, want %q", i, r.body, want)
		}
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d detached handlers at once, max pipeline 2", p)
	}
}

// TestServerPipelineBehindStuckResponse: responses that are ready but must
// wait behind an unfinished one are held in memory; WithMaxPipeline bounds
// how many, whatever the client sends.
func TestServerPipelineBehindStuckResponse(t *testing.T) {
	release := make(chan struct{})
	rt := testRouter()
	rt.GET("/hold", func(w *ResponseWriter, _ *Request) {
		w.Detach()
		go func() {
			<-release
			_, _ = w.WriteString("held")
			w.Finish()
		}()
	})
	const maxPipe = 8
	s := startServer(t, rt, WithMaxPipeline(maxPipe))
	c := dial(t, s)
	const n = 3000
	go func() {
		// May block once the server stops reading; ends when the test
		// closes the connection.
		_, _ = io.WriteString(c.nc, get("/hold")+strings.Repeat(get("/big"), n))
	}()
	waitFor(t, "some requests to be served", func() bool { return s.Stats().Requests >= maxPipe })
	time.Sleep(100 * time.Millisecond) // let the server read whatever it will
	for _, m := range memoryOf(s) {
		if m.slots > maxPipe+1 {
			t.Errorf("%d responses queued behind the stuck one (%d bytes), max pipeline %d", m.slots, m.slotBytes, maxPipe)
		}
	}
	close(release)
	if r := c.expectStatus("GET", 200); r.body != "held" {
		t.Fatalf("body %q", r.body)
	}
	for i := range n {
		if r := c.expectStatus("GET", 200); len(r.body) != 16<<10 {
			t.Fatalf("response %d: %d bytes", i, len(r.body))
		}
	}
}

// TestServerClientNotReading: a client that sends requests but never reads
// the responses makes the server stop reading it; what the server queues
// for it stays bounded by WithMaxQueuedOutput (plus one read's worth of
// responses), not by what the client sends.
func TestServerClientNotReading(t *testing.T) {
	const maxQueued = 1 << 20
	s := startServer(t, testRouter(), WithMaxQueuedOutput(maxQueued))
	c := dial(t, s)
	var written atomic.Int64
	go func() {
		req := get("/big")
		for range 3000 { // 48 MiB of responses
			if _, err := io.WriteString(c.nc, req); err != nil {
				return
			}
			written.Add(1)
		}
	}()
	// Wait until the client's writes stall: the server stopped reading.
	last := int64(-1)
	for stable := 0; stable < 10; {
		time.Sleep(20 * time.Millisecond)
		if w := written.Load(); w == last {
			stable++
		} else {
			stable, last = 0, w
		}
	}
	peak := 0
	for range 10 {
		for _, m := range memoryOf(s) {
			peak = max(peak, m.output+m.batch+m.slotBytes)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("client wrote %d requests; server holds %d bytes for it", last, peak)
	if peak > 4<<20 {
		t.Fatalf("server holds %d bytes of output for a client that does not read (max queued %d)", peak, maxQueued)
	}
	// Reading resumes the connection: every response arrives.
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	for i := range int(last) {
		if r := c.expectStatus("GET", 200); len(r.body) != 16<<10 {
			t.Fatalf("response %d: %d bytes", i, len(r.body))
		}
	}
}
