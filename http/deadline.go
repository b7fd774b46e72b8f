package http

import (
	"fmt"
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

// waitDrained waits for drained to close, or until the deadline dl says
// (nil or zero: for as long as it takes), following its moves.
func waitDrained(drained <-chan struct{}, dl *deadline) error {
	if dl == nil {
		<-drained
		return nil
	}
	for {
		t, changed := dl.get()
		var timeout <-chan time.Time
		var timer *time.Timer
		if !t.IsZero() {
			d := time.Until(t)
			if d <= 0 {
				select {
				case <-drained: // drained just in time
					return nil
				default:
					return fmt.Errorf("http: client too slow to take the response: %w", os.ErrDeadlineExceeded)
				}
			}
			timer = time.NewTimer(d)
			timeout = timer.C
		}
		select {
		case <-drained:
		case <-timeout:
		case <-changed:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-drained:
			return nil
		default: // the deadline passed or moved: look again
		}
	}
}
