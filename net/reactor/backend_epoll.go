//go:build linux && !muduo_portable

package reactor

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// backend is what an EventLoop needs from the system on Linux: an epoll
// Poller and an eventfd that wakes a loop blocked in epoll_wait. Embedded
// in EventLoop by value: the loop calls the poller with no further
// indirection.
type backend struct {
	poller      loopPoller
	wakeFd      int
	wakeCh      Channel
	wakePending atomic.Bool // an eventfd write is on its way; don't send another
}

// pollEvent is what the loop's poller returns: the same name in both
// backends.
type pollEvent = unix.EpollEvent

// openBackend creates the epoll instance and the eventfd.
func (l *EventLoop) openBackend() error {
	p, err := newEpoller()
	if err != nil {
		return err
	}
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		p.Close()
		return fmt.Errorf("reactor: eventfd: %w", err)
	}
	l.poller = p
	l.wakeFd = fd
	l.wakeCh.Init(l, fd, &HandlerFuncs{Read: l.drainWakeup})
	return nil
}

// startBackend registers the eventfd; on the loop goroutine, in Run.
func (l *EventLoop) startBackend() error { return l.wakeCh.EnableReading() }

// stopBackend unregisters the eventfd; on the loop goroutine, in Run.
func (l *EventLoop) stopBackend() { _ = l.wakeCh.Remove() }

// closeBackend closes the eventfd and the epoll instance. The eventfd is
// closed under mu, so that wakeup can not write to a closed fd number that
// may already belong to someone else.
func (l *EventLoop) closeBackend() {
	l.mu.Lock()
	l.closed = true
	unix.Close(l.wakeFd)
	l.mu.Unlock()
	l.poller.Close()
}

// wakeup makes a blocked Wait return by writing the eventfd. At most one
// write is outstanding: later callers see wakePending and skip the syscall.
func (l *EventLoop) wakeup() {
	if !l.wakePending.CompareAndSwap(false, true) {
		return
	}
	one := [8]byte{1}
	l.mu.Lock()
	var err error
	if !l.closed {
		_, err = unix.Write(l.wakeFd, one[:])
	}
	l.mu.Unlock()
	if err != nil && err != unix.EAGAIN {
		l.logger.Error("eventfd write", "loop", l.name, "err", err)
	}
}

func (l *EventLoop) drainWakeup() {
	var b [8]byte
	_, _ = unix.Read(l.wakeFd, b[:])
	l.wakePending.Store(false)
}
