//go:build linux && !muduo_portable

package reactor

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPollerGrowsPastInitialEvents: with more fds ready than the event
// buffer holds (128), a full batch doubles the buffer for the next Wait,
// and level-triggered readiness brings every fd back until all fit.
func TestPollerGrowsPastInitialEvents(t *testing.T) {
	p, err := newEpoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const ready = 300
	for i := range ready {
		fd, err := unix.Eventfd(1, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK) // readable at once
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if err := p.Add(fd, unix.EPOLLIN, int32(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []int{initEvents, 2 * initEvents, ready} {
		ev, err := p.Wait(0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != want {
			t.Fatalf("Wait returned %d events, want %d (buffer %d)", len(ev), want, len(p.events))
		}
		seen := make(map[int32]bool, len(ev))
		for _, e := range ev {
			if e.Pad < 0 || e.Pad >= ready || seen[e.Pad] {
				t.Fatalf("event tag %d out of range or repeated", e.Pad)
			}
			seen[e.Pad] = true
		}
	}
	if len(p.events) != 4*initEvents {
		t.Fatalf("event buffer %d after batches of 128 and 256, want 512", len(p.events))
	}
}

// TestPollerWaitEINTR: a blocking Wait interrupted by a signal returns no
// events and no error (the loop then simply polls again). SIGURG, the
// runtime's own preemption signal, is sent to the waiting thread until
// the Wait returns; with nothing registered, only the interruption can
// end it before its 30 s timeout.
func TestPollerWaitEINTR(t *testing.T) {
	p, err := newEpoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type result struct {
		n   int
		err error
	}
	tid := make(chan int, 1)
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		ev, err := p.Wait(30000)
		done <- result{len(ev), err}
	}()
	thread := <-tid
	deadline := time.After(20 * time.Second)
	for {
		_ = unix.Tgkill(unix.Getpid(), thread, unix.SIGURG)
		select {
		case r := <-done:
			if r.n != 0 || r.err != nil {
				t.Fatalf("interrupted Wait = %d events, %v; want none and no error", r.n, r.err)
			}
			return
		case <-deadline:
			t.Fatal("the signalled Wait did not return")
		case <-time.After(time.Millisecond):
		}
	}
}
