package reactor

import (
	"slices"
	"sync"
	"testing"
	"time"
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
	// Other iterations may run around it (the periodic yield, a stray
	// wakeup under load: CI once saw "A B f A B"); the one that ran f
	// ends with A then B.
	i := slices.Index(got, "f")
	if i < 0 || len(got) < i+3 || got[i+1] != "A" || got[i+2] != "B" {
		t.Fatalf("trace %v, want f followed by A B", got)
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

// TestRunAndWait: on the loop f runs at once; from elsewhere the caller
// waits until it has run; a loop that is held up or stopped makes the wait
// end at the timeout or at once, reporting that f did not run.
func TestRunAndWait(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	ran := 0
	if !l.RunAndWait(func() { ran++ }, time.Second) || ran != 1 {
		t.Fatalf("from outside: ran %d", ran)
	}
	inner := make(chan bool, 1)
	l.RunInLoop(func() { inner <- l.RunAndWait(func() { ran++ }, time.Second) })
	if !wait(t, inner, "RunAndWait on the loop") || ran != 2 {
		t.Fatalf("on the loop: ran %d", ran)
	}

	release := make(chan struct{})
	l.QueueInLoop(func() { <-release }) // the loop is busy
	start := time.Now()
	if l.RunAndWait(func() {}, 50*time.Millisecond) {
		t.Fatal("reported running on a loop that was held up")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("gave up after %v, before the timeout", d)
	}
	close(release)

	l.Quit()
	wait(t, l.Done(), "loop to quit")
	start = time.Now()
	if l.RunAndWait(func() {}, 10*time.Second) {
		t.Fatal("reported running on a stopped loop")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %v on a stopped loop", d)
	}
}
