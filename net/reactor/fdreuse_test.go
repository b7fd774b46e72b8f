//go:build linux && !muduo_portable

// These tests reuse kernel fd numbers within one epoll batch (dup3) and
// wrap the epoll Poller: epoll internals, run on the epoll backend only.

package reactor

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// recPoller wraps the real epoll Poller and remembers the fds of the last
// batch Wait returned, so a test can tell that the situation it built (two
// events in one batch) really happened.
type recPoller struct {
	loopPoller
	last []int32 // loop goroutine only
}

func (p *recPoller) Wait(timeoutMs int) ([]unix.EpollEvent, error) {
	ev, err := p.loopPoller.Wait(timeoutMs)
	p.last = p.last[:0]
	for i := range ev {
		p.last = append(p.last, ev[i].Fd)
	}
	return ev, err
}

// The fd-reuse guard. Two channels, A and B, have events in the same batch.
// Whichever callback runs first removes the other channel, closes its fd
// and puts a new, idle fd under the same number (dup3), registered by a new
// channel Z. The event already fetched for the old fd must not reach Z.
func TestStaleEventNotDeliveredToReusedFd(t *testing.T) {
	leakCheck(t)
	const attempts = 10
	for i := 0; i < attempts; i++ {
		sameBatch, zStale := fdReuseRound(t)
		if !sameBatch {
			continue // the two events came in separate batches; build it again
		}
		if zStale != 0 {
			t.Fatalf("a stale event of the closed fd was delivered %d times to the channel that reused its number", zStale)
		}
		return
	}
	t.Skipf("could not get both events into one epoll batch in %d attempts", attempts)
}

func fdReuseRound(t *testing.T) (sameBatch bool, zStale int) {
	a0, a1 := socketpair(t)
	b0, b1 := socketpair(t)
	c0, c1 := socketpair(t) // c0 is dup'ed under the freed number; nothing to read
	defer closeFds(a0, a1, b0, b1, c0, c1)()

	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, l)
	rec := &recPoller{loopPoller: l.poller}
	l.poller = rec
	l.Start()

	var chA, chB, chZ Channel
	var swapped, zAfter bool
	zReads := 0
	zHandler := &HandlerFuncs{Read: func() {
		zReads++
		if !zAfter {
			zStale++
		}
		readAll(chZ.Fd())
	}}
	// first runs in the first of the two callbacks of the batch.
	first := func(self, other *Channel) {
		readAll(self.Fd())
		if swapped {
			return
		}
		swapped = true
		sameBatch = slices.Contains(rec.last, int32(other.Fd()))
		fd := other.Fd()
		if err := other.Remove(); err != nil {
			t.Error(err)
		}
		// The number is free for an instant and taken again at once, as an
		// accept in a callback would do.
		if err := unix.Dup3(c0, fd, unix.O_CLOEXEC); err != nil {
			t.Error(err)
			return
		}
		chZ.Init(l, fd, zHandler)
		if err := chZ.EnableReading(); err != nil {
			t.Error(err)
		}
	}
	var readsA, readsB int
	chA.Init(l, a0, &HandlerFuncs{Read: func() { readsA++; first(&chA, &chB) }})
	chB.Init(l, b0, &HandlerFuncs{Read: func() { readsB++; first(&chB, &chA) }})
	register(t, l, func() error {
		if err := chA.EnableReading(); err != nil {
			return err
		}
		return chB.EnableReading()
	})
	// Make both readable while the loop is held: its next poll returns both.
	release := blockLoop(t, l)
	writeString(t, a1, "a")
	writeString(t, b1, "b")
	release()
	settle(t, l)

	var ra, rb int
	onLoop(t, l, func() {
		ra, rb = readsA, readsB
		zAfter = true
	})
	if !swapped {
		t.Fatal("no read callback ran")
	}
	if ra+rb != 1 {
		t.Fatalf("A ran %d and B ran %d read callbacks; the removed one must not run", ra, rb)
	}
	// Z itself works: data on its fd (the dup of c0) reaches it.
	writeString(t, c1, "z")
	settle(t, l)
	var zr int
	onLoop(t, l, func() {
		zr = zReads
		if chZ.added {
			_ = chZ.Remove()
		}
		if chA.added {
			_ = chA.Remove()
		}
		if chB.added {
			_ = chB.Remove()
		}
	})
	if zr != zStale+1 {
		t.Fatalf("new channel got %d read callbacks after data arrived (stale %d), want exactly one more", zr, zStale)
	}
	return sameBatch, zStale
}

// Removing a channel in another channel's callback of the same batch, without
// reusing its fd, also drops the removed channel's event.
func TestRemoveOtherInSameBatch(t *testing.T) {
	leakCheck(t)
	a0, a1 := socketpair(t)
	b0, b1 := socketpair(t)
	t.Cleanup(closeFds(a0, a1, b0, b1))
	l := startLoop(t)
	var chA, chB Channel
	calls := 0
	chA.Init(l, a0, &HandlerFuncs{Read: func() { calls++; readAll(a0); _ = chB.Remove(); _ = chA.Remove() }})
	chB.Init(l, b0, &HandlerFuncs{Read: func() { calls++; readAll(b0); _ = chA.Remove(); _ = chB.Remove() }})
	register(t, l, func() error {
		if err := chA.EnableReading(); err != nil {
			return err
		}
		return chB.EnableReading()
	})
	release := blockLoop(t, l)
	writeString(t, a1, "a")
	writeString(t, b1, "b")
	release()
	settle(t, l)
	var n int
	onLoop(t, l, func() { n = calls })
	if n != 1 {
		t.Fatalf("%d read callbacks, want 1: the channel removed by the other must not run", n)
	}
}

// failAddPoller is the real poller whose Add fails, to drive Run's error
// path.
type failAddPoller struct{ loopPoller }

func (failAddPoller) Add(int, uint32, int32) error { return unix.ENOSPC }

func TestRunFailingRegistrationFreesFds(t *testing.T) {
	leakCheck(t)
	base := fdCount(t)
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l.poller = failAddPoller{l.poller}
	if err := l.Run(); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("Run = %v, want the registration error", err)
	}
	wait(t, l.Done(), "Done")
	if got := fdCount(t); got != base {
		t.Fatalf("a loop whose Run failed left %d fds open", got-base)
	}
	l.Close()
	l.Quit()
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("second Run = %v", err)
	}
}
