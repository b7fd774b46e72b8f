package http

import (
	"context"
	"testing"
	"time"
)

// TestShutdownDrainIdleGrace: with WithDrainIdleGrace an idle keep-alive
// connection is not closed under a request the client may be sending: a
// request on it during the grace is answered with Connection: close, and a
// connection that stays idle is closed once the grace is over.
func TestShutdownDrainIdleGrace(t *testing.T) {
	const grace = 400 * time.Millisecond
	s := startServer(t, testRouter(), WithDrainIdleGrace(grace))
	active, silent := dial(t, s), dial(t, s)
	for _, c := range []*client{active, silent} {
		c.send(get("/plaintext"))
		c.expectStatus("GET", 200)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	waitFor(t, "new connections to be refused", func() bool { return refused(s) })
	active.send(get("/plaintext"))
	r := active.expectStatus("GET", 200)
	if r.body != "Hello, World!" {
		t.Fatalf("body %q", r.body)
	}
	checkClose(t, r)
	active.expectEOF()
	silent.expectEOF()
	if el := time.Since(start); el < grace*3/4 {
		t.Fatalf("idle connection closed after %v, before the %v grace", el, grace)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
