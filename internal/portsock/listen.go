package portsock

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ListenConfig says how Listen sets up a listener.
type ListenConfig struct {
	// ReusePort sets SO_REUSEPORT before bind (see reusePortControl).
	ReusePort bool
	// IPv6Only restricts an IPv6 wildcard listener to IPv6.
	IPv6Only bool
}

// Listen makes a listening handle bound to ap. An accept goroutine takes
// connections into a queue of up to acceptQueue (Accept hands them out);
// while the queue is full the rest wait in the kernel's backlog.
func Listen(ap netip.AddrPort, cfg ListenConfig) (int, error) {
	network := "tcp4"
	if ap.Addr().Is6() {
		// Go's net sets IPV6_V6ONLY for "tcp6" and leaves a "tcp" wildcard
		// listener dual-stack.
		network = "tcp"
		if cfg.IPv6Only {
			network = "tcp6"
		}
	}
	lc := net.ListenConfig{KeepAlive: -1} // no keepalive unless asked for, as on Linux
	if cfg.ReusePort {
		lc.Control = reusePortControl
	}
	l, err := lc.Listen(context.Background(), network, ap.String())
	if err != nil {
		return -1, errnoOf(err)
	}
	return AdoptListener(l.(*net.TCPListener)), nil
}

// AdoptListener makes a listening handle of a listener made elsewhere; the
// handle owns l from now on (Close closes it).
func AdoptListener(l *net.TCPListener) int {
	s := &sock{kind: kindListener, ln: l, done: make(chan struct{}), accMore: make(chan struct{}, 1)}
	fd := register(s)
	go s.acceptLoop()
	return fd
}

// Accept backoff after a failure such as running out of file descriptors.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

func (s *sock) acceptLoop() {
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				s.mu.Unlock()
				return
			}
			// Report it once (the owner logs or pauses), then back off.
			s.lerr = errnoOf(err)
			s.mu.Unlock()
			s.notify()
			if backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff); !sleep(backoff, s.done) {
				return
			}
			continue
		}
		backoff = 0
		s.queue = append(s.queue, c.(*net.TCPConn))
		full := len(s.queue) >= acceptQueue
		s.mu.Unlock()
		s.notify()
		for full {
			select {
			case <-s.accMore:
			case <-s.done:
				return
			}
			s.mu.Lock()
			full = len(s.queue) >= acceptQueue
			s.mu.Unlock()
		}
	}
}

func sleep(d time.Duration, done chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// Accept takes one connection off a listening handle and returns its new
// handle and peer address, or syscall.EAGAIN when none is waiting. An error
// the accept goroutine met (EMFILE, say) is returned once.
func Accept(lfd int) (int, netip.AddrPort, error) {
	s, err := lookup(lfd)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	s.mu.Lock()
	if s.kind != kindListener {
		s.mu.Unlock()
		return -1, netip.AddrPort{}, syscall.EINVAL
	}
	if len(s.queue) == 0 {
		err := s.lerr
		s.lerr = nil
		s.mu.Unlock()
		if err == nil {
			err = syscall.EAGAIN
		}
		return -1, netip.AddrPort{}, err
	}
	c := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	if len(s.queue) == 0 {
		s.queue = nil // let the array go
	}
	signal(s.accMore)
	s.mu.Unlock()
	ns := &sock{done: make(chan struct{})}
	ns.mu.Lock()
	ns.startConnLocked(c)
	peer := ns.peer
	ns.mu.Unlock()
	return register(ns), peer, nil
}
