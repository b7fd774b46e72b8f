//go:build linux && !muduo_portable

package reactor

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Event bits, as epoll reports them.
const (
	EventRead  = unix.EPOLLIN | unix.EPOLLPRI
	EventWrite = unix.EPOLLOUT
	eventRDHUP = unix.EPOLLRDHUP
)

// The bits Channel.handleEvent tests.
const (
	evIn    = unix.EPOLLIN
	evPri   = unix.EPOLLPRI
	evOut   = unix.EPOLLOUT
	evErr   = unix.EPOLLERR
	evHup   = unix.EPOLLHUP
	evRdhup = unix.EPOLLRDHUP
)

// loopPoller waits for I/O readiness. A loopPoller belongs to one EventLoop and is
// used only on that loop's goroutine. The epoll implementation is the only
// one on Linux; the interface exists so the loop's logic does not depend on
// the system call. It exists only in the epoll build: the portable backend
// (backend_portable.go) has a poller of its own over Go's net package.
type loopPoller interface {
	// Wait blocks up to timeoutMs milliseconds (-1: forever, 0: no wait) and
	// returns the ready events; the slice is valid until the next Wait.
	Wait(timeoutMs int) ([]unix.EpollEvent, error)
	// Add starts watching fd for events; tag comes back in every event.
	Add(fd int, events uint32, tag int32) error
	// Modify changes the watched events of fd.
	Modify(fd int, events uint32, tag int32) error
	// Delete stops watching fd.
	Delete(fd int) error
	// Close releases the poller.
	Close() error
}

// epoller is the level-triggered epoll Poller.
type epoller struct {
	fd     int
	events []unix.EpollEvent
}

const (
	initEvents = 128
	maxEvents  = 4096
)

func newEpoller() (*epoller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("reactor: epoll_create1: %w", err)
	}
	return &epoller{fd: fd, events: make([]unix.EpollEvent, initEvents)}, nil
}

// Wait implements Poller. A zero timeout is a raw syscall (it cannot block,
// so the scheduler need not be told); a blocking wait goes through the
// runtime's syscall path so the P can be handed off while the thread sleeps.
func (p *epoller) Wait(timeoutMs int) ([]unix.EpollEvent, error) {
	var n int
	var err error
	if timeoutMs == 0 {
		r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.fd),
			uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
		n = int(r)
		if errno != 0 {
			n, err = 0, errno
		}
	} else {
		n, err = unix.EpollWait(p.fd, p.events, timeoutMs)
	}
	if err != nil {
		if err == unix.EINTR {
			return nil, nil
		}
		return nil, fmt.Errorf("reactor: epoll_wait: %w", err)
	}
	ev := p.events[:n]
	if n == len(p.events) && n < maxEvents {
		// A full batch means more fds were probably ready: take more next time.
		p.events = make([]unix.EpollEvent, 2*n)
	}
	return ev, nil
}

func (p *epoller) ctl(op, fd int, events uint32, tag int32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: tag}
	if err := unix.EpollCtl(p.fd, op, fd, &ev); err != nil {
		return fmt.Errorf("reactor: epoll_ctl(op %d, fd %d): %w", op, fd, err)
	}
	return nil
}

// Add implements Poller.
func (p *epoller) Add(fd int, events uint32, tag int32) error {
	return p.ctl(unix.EPOLL_CTL_ADD, fd, events, tag)
}

// Modify implements Poller.
func (p *epoller) Modify(fd int, events uint32, tag int32) error {
	return p.ctl(unix.EPOLL_CTL_MOD, fd, events, tag)
}

// Delete implements Poller.
func (p *epoller) Delete(fd int) error {
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return fmt.Errorf("reactor: epoll_ctl(DEL, fd %d): %w", fd, err)
	}
	return nil
}

// Close implements Poller.
func (p *epoller) Close() error { return unix.Close(p.fd) }
