//go:build !linux || muduo_portable

package reactor

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/portsock"
)

// This file is the portable backend of the loop: instead of epoll and an
// eventfd, the loop sleeps on a Go channel, and the socket handles of
// internal/portsock (Go's net package, with a reader and a writer
// goroutine per connection) tell the poller when their readiness may have
// changed. The loop itself is unchanged: it asks the poller for ready
// handles and delivers them to their Channels, level-triggered and in the
// order described in the package documentation, on the loop goroutine.

// Event bits, with epoll's values (see the epoll build).
const (
	EventRead  = evIn | evPri
	EventWrite = evOut
	eventRDHUP = evRdhup
)

const (
	evIn    = 0x1
	evPri   = 0x2
	evOut   = 0x4
	evErr   = 0x8
	evHup   = 0x10
	evRdhup = 0x2000
)

// pollEvent is one ready handle, shaped as epoll's event so that Run reads
// it the same way.
type pollEvent struct {
	Events uint32
	Fd     int32
	Pad    int32 // the registration's tag
}

// backend is the portable poller; the loop's wakeup is a send on its
// channel.
type backend struct {
	poller loopPoller
	wake   chan struct{}
}

// loopPoller is what the loop asks of its poller (Poller in the epoll
// build, where it returns epoll's events).
type loopPoller interface {
	Wait(timeoutMs int) ([]pollEvent, error)
	Add(fd int, events uint32, tag int32) error
	Modify(fd int, events uint32, tag int32) error
	Delete(fd int) error
	Close() error
}

func (l *EventLoop) openBackend() error {
	p := newPortPoller()
	l.poller, l.wake = p, p.wake
	return nil
}

func (l *EventLoop) startBackend() error { return nil }

func (l *EventLoop) stopBackend() {}

func (l *EventLoop) closeBackend() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.poller.Close()
}

// wakeup makes a blocked Wait return. Safe from any goroutine; a wakeup
// already pending absorbs this one.
func (l *EventLoop) wakeup() { signal(l.wake) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// portPoller polls portsock handles level-triggered: a Wait reports every
// registered handle that is ready for the events of interest, looking at
// the handles that notified since the last Wait and at those it reported
// last time (still ready unless the loop drained them).
type portPoller struct {
	wake chan struct{} // a notification or a loop wakeup

	mu    sync.Mutex
	dirty []int32 // handles that notified since the last Wait

	// Loop goroutine only.
	regs      map[int32]*registration
	batch     []int32
	ready     []int32 // handles reported by the last Wait
	nextReady []int32
	events    []pollEvent
	gen       uint64
	timer     *time.Timer
}

type registration struct {
	events uint32
	tag    int32
	seen   uint64 // the Wait that last looked at it
}

func newPortPoller() *portPoller {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &portPoller{wake: make(chan struct{}, 1), regs: make(map[int32]*registration), timer: t}
}

// Notify implements portsock.Notifier; safe from any goroutine.
func (p *portPoller) Notify(fd int) {
	p.mu.Lock()
	p.dirty = append(p.dirty, int32(fd))
	p.mu.Unlock()
	signal(p.wake)
}

// errNotPortable is returned when a Channel is registered for a number
// that is not a portsock handle (a raw file descriptor, say): the portable
// backend can not poll those.
var errNotPortable = errors.New("reactor: the portable backend polls only its own socket handles")

// Add starts watching fd.
func (p *portPoller) Add(fd int, events uint32, tag int32) error {
	r := &registration{events: events, tag: tag}
	p.regs[int32(fd)] = r
	if err := portsock.Watch(fd, p); err != nil {
		delete(p.regs, int32(fd))
		return fmt.Errorf("reactor: watch fd %d: %w (%w)", fd, errNotPortable, err)
	}
	return nil
}

// Modify changes the watched events of fd and has it looked at again.
func (p *portPoller) Modify(fd int, events uint32, tag int32) error {
	r := p.regs[int32(fd)]
	if r == nil {
		return fmt.Errorf("reactor: modify fd %d: not registered", fd)
	}
	r.events, r.tag = events, tag
	p.Notify(fd)
	return nil
}

// Delete stops watching fd.
func (p *portPoller) Delete(fd int) error {
	if _, ok := p.regs[int32(fd)]; !ok {
		return fmt.Errorf("reactor: delete fd %d: not registered", fd)
	}
	delete(p.regs, int32(fd))
	portsock.Unwatch(fd, p)
	return nil
}

// Close releases the poller.
func (p *portPoller) Close() error {
	p.timer.Stop()
	for fd := range p.regs {
		portsock.Unwatch(int(fd), p)
	}
	return nil
}

// Wait blocks up to timeoutMs milliseconds (-1: forever, 0: no wait) until
// a handle notifies or the loop is woken, and returns the ready events;
// the slice is valid until the next Wait.
func (p *portPoller) Wait(timeoutMs int) ([]pollEvent, error) {
	if timeoutMs != 0 && len(p.ready) == 0 {
		p.mu.Lock()
		idle := len(p.dirty) == 0
		p.mu.Unlock()
		if idle {
			if timeoutMs < 0 {
				<-p.wake
			} else {
				p.timer.Reset(time.Duration(timeoutMs) * time.Millisecond)
				select {
				case <-p.wake:
				case <-p.timer.C:
				}
				p.timer.Stop()
			}
		}
	}
	select {
	case <-p.wake: // a wakeup covered by this Wait
	default:
	}
	p.mu.Lock()
	p.batch, p.dirty = p.dirty, p.batch[:0]
	p.mu.Unlock()
	p.gen++
	p.events = p.events[:0]
	p.nextReady = p.nextReady[:0]
	for _, fd := range p.ready {
		p.look(fd)
	}
	for _, fd := range p.batch {
		p.look(fd)
	}
	p.ready, p.nextReady = p.nextReady, p.ready
	return p.events, nil
}

// look adds fd's event, if it is ready for what the loop wants.
func (p *portPoller) look(fd int32) {
	r := p.regs[fd]
	if r == nil || r.seen == p.gen {
		return
	}
	r.seen = p.gen
	readable, writable, failed := portsock.Poll(int(fd))
	var ev uint32
	if failed {
		ev |= evErr | evHup // reported whatever the interest, as by epoll
	}
	if readable && r.events&EventRead != 0 {
		ev |= evIn
	}
	if writable && r.events&EventWrite != 0 {
		ev |= evOut
	}
	if ev != 0 {
		p.events = append(p.events, pollEvent{Events: ev, Fd: fd, Pad: r.tag})
		p.nextReady = append(p.nextReady, fd)
	}
}
