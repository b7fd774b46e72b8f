package reactor

import (
	"sync"
	"testing"
)

// TestIterationHooks: hooks run on the loop after the iteration's functors,
// in registration order, until removed, and once more when the loop stops.
func TestIterationHooks(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var mu sync.Mutex
	var trace []string
	note := func(s string) {
		if !l.InLoop() {
			t.Errorf("%s ran off the loop", s)
		}
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	removeA := l.OnIterationEnd(func() { note("A") })
	l.OnIterationEnd(func() { note("B") })
	settle(t, l)
	mu.Lock()
	trace = trace[:0]
	mu.Unlock()

	// One functor wakes the loop; its iteration ends with A then B.
	done := make(chan struct{})
	l.QueueInLoop(func() { note("f"); close(done) })
	wait(t, done, "functor")
	settle(t, l)
	mu.Lock()
	got := append([]string(nil), trace...)
	trace = trace[:0]
	mu.Unlock()
	if len(got) < 3 || got[0] != "f" || got[1] != "A" || got[2] != "B" {
		t.Fatalf("trace %v, want f A B first", got)
	}

	removeA()
	removeA() // twice is harmless
	settle(t, l)
	mu.Lock()
	trace = trace[:0]
	mu.Unlock()
	settle(t, l)
	mu.Lock()
	for _, s := range trace {
		if s == "A" {
			t.Fatalf("removed hook ran: %v", trace)
		}
	}
	trace = trace[:0]
	mu.Unlock()

	l.Quit()
	wait(t, l.Done(), "loop to quit")
	mu.Lock()
	defer mu.Unlock()
	if len(trace) == 0 || trace[len(trace)-1] != "B" {
		t.Fatalf("hooks did not run as the loop stopped: %v", trace)
	}
}
