package http

import (
	"os"
	"sync"
	"time"
)

// deadline is a time that one goroutine may wait on while others move it
// (net.Conn's deadline rules): a waiter re-reads it whenever it changes.
type deadline struct {
	mu      sync.Mutex
	t       time.Time
	changed chan struct{} // closed and replaced by every set

	// waitHook, when set (tests only, before the waits start), is called
	// by waitDeadline on the waiting goroutine each time it is about to
	// block, after it has read the deadline: a test moves the deadline
	// from there to prove that a wait in progress follows the move.
	waitHook func()
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t = t
	if d.changed != nil {
		close(d.changed)
	}
	d.changed = make(chan struct{})
}

func (d *deadline) get() (time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.changed == nil {
		d.changed = make(chan struct{})
	}
	return d.t, d.changed
}

// passed reports whether the deadline is set and has passed.
func (d *deadline) passed() bool {
	t, _ := d.get()
	return !t.IsZero() && !time.Now().Before(t)
}

// waitDeadline waits for ch or stop to close, or until the deadline dl
// (nil or zero: none), following its moves: net.Conn's rule that a new
// deadline applies to a wait already in progress. It returns
// os.ErrDeadlineExceeded when the deadline passed first, nil otherwise
// (the caller tells ch from stop). The adapter's Flush and the hijacked
// net.Conn's Read and Write wait through it.
func waitDeadline(ch, stop <-chan struct{}, dl *deadline) error {
	for {
		var t time.Time
		var changed <-chan struct{}
		if dl != nil {
			t, changed = dl.get()
		}
		var expired <-chan time.Time
		var timer *time.Timer
		if !t.IsZero() {
			d := time.Until(t)
			if d <= 0 {
				select {
				case <-ch:
					return nil // ready just in time
				case <-stop:
					return nil
				default:
					return os.ErrDeadlineExceeded
				}
			}
			timer = time.NewTimer(d)
			expired = timer.C
		}
		if dl != nil && dl.waitHook != nil {
			dl.waitHook()
		}
		ready := false
		select {
		case <-ch:
			ready = true
		case <-stop:
			ready = true
		case <-expired: // passed, unless moved meanwhile: look again
		case <-changed: // moved: look again
		}
		if timer != nil {
			timer.Stop()
		}
		if ready {
			return nil
		}
	}
}
