package tcp

import (
	"errors"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"net/netip"
	"syscall"
	"time"
)

// acceptor is muduo's Acceptor: a listening socket on one loop that hands
// every accepted fd to a callback. Loop goroutine only, except newAcceptor.
type acceptor struct {
	loop    *reactor.EventLoop
	fd      int
	ch      reactor.Channel
	addr    netip.AddrPort
	onConn  func(fd int, peer netip.AddrPort)
	backoff time.Duration // current pause after EMFILE/ENFILE, 0 when healthy
	paused  bool
	spare   int // a reserved fd, given up to shed one connection when out of fds

	// pauseOnly turns shedding off: out of fds, the acceptor only pauses
	// (sheds one connection per pause). Kept to measure the two against
	// each other (emfile_test.go); shedding is the default.
	pauseOnly bool
	shedding  bool // in an episode of shedding (logged once per episode)
}

// maxAcceptBatch bounds how many connections one readable event accepts, so
// a connection storm can not starve the loop's other channels.
const maxAcceptBatch = 64

const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// newAcceptor takes the listening socket listen returns (it is listening
// already, so the kernel queues connections before Listen is called).
func newAcceptor(loop *reactor.EventLoop, listen func() (int, error), onConn func(fd int, peer netip.AddrPort)) (*acceptor, error) {
	fd, err := listen()
	if err != nil {
		return nil, err
	}
	bound, err := socket.LocalAddr(fd)
	if err != nil {
		socket.Close(fd)
		return nil, err
	}
	a := &acceptor{loop: loop, fd: fd, addr: bound, onConn: onConn, spare: openSpare()}
	a.ch.Init(loop, fd, &reactor.HandlerFuncs{Read: a.handleRead})
	return a, nil
}

// Addr returns the address the acceptor is bound to (with the real port
// when ":0" was asked for). Safe from any goroutine.
func (a *acceptor) Addr() netip.AddrPort { return a.addr }

// Listen starts accepting. Loop goroutine only.
func (a *acceptor) Listen() error { return a.ch.EnableReading() }

// Close stops accepting and closes the listening socket. Loop only.
func (a *acceptor) Close() {
	if a.fd < 0 {
		return
	}
	_ = a.ch.Remove()
	socket.Close(a.fd)
	a.fd = -1
	if a.spare >= 0 {
		socket.Close(a.spare)
		a.spare = -1
	}
}

// maxDrain bounds DrainAndClose under a connection flood.
const maxDrain = 2 * somaxconn

// DrainAndClose accepts the connections already queued on the listening
// socket (the kernel completed their handshakes: closing would reset
// them), handing each to the callback, then closes it. Loop only.
func (a *acceptor) DrainAndClose() {
	for i := 0; i < maxDrain && a.fd >= 0; i++ {
		fd, peer, err := socket.Accept(a.fd)
		if err == nil {
			a.onConn(fd, peer)
			continue
		}
		if errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPROTO) {
			continue
		}
		break
	}
	a.Close()
}

func (a *acceptor) handleRead() {
	for i := 0; i < maxAcceptBatch && a.fd >= 0; i++ {
		fd, peer, err := socket.Accept(a.fd)
		if err == nil {
			a.backoff = 0
			a.shedding = false
			a.onConn(fd, peer)
			continue
		}
		switch {
		case errors.Is(err, syscall.EAGAIN):
		case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
			a.overloaded()
		case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPROTO):
			continue // the peer gave up before we took it: try the next
		default:
			a.loop.Logger().Error("tcp: accept", "addr", a.addr, "err", err)
		}
		return
	}
}

// Running out of fds (EMFILE, or ENFILE system-wide) is handled as muduo
// does, with one reserved fd (the spare): the acceptor closes the spare,
// accepts the oldest pending connection, closes it and reopens the spare,
// and repeats until the accept queue is empty. Every client waiting while
// the server is out of fds thus learns at once that it will not be served
// (it reads EOF, or a reset if it had sent bytes) instead of hanging in the
// backlog, and the listener is no longer readable, so the loop does not
// spin. New clients arriving meanwhile are shed the same way, one accept
// each. Measured with BenchmarkEMFILEFate (emfile_test.go: 40 clients
// arriving while a server limited to 64 fds is out of them; 2026-12-07,
// Linux, 2 cores): shedding told all 40 in 5 ms; pausing alone (one shed
// per pause, the pause doubling from 5 ms to 1 s) told none within 1 s
// and the last after 45.5 s. Hence shedding is what the acceptor does.
//
// Pausing stays as the fallback for the listener's own protection, when
// the spare can not be had back (another thread took the fd that closing
// it freed, or the system as a whole is out of fds): the acceptor stops
// watching the listener and looks again after a backoff that doubles up
// to a second while the condition lasts. Connections queue in the
// kernel's backlog meanwhile and are served once fds are free.
func (a *acceptor) overloaded() {
	if !a.pauseOnly && a.shedPending() {
		return
	}
	if a.spare >= 0 {
		socket.Close(a.spare)
		a.spare = -1
		if fd, _, err := socket.Accept(a.fd); err == nil {
			socket.Close(fd)
		}
		a.spare = openSpare()
	}
	if a.backoff == 0 {
		a.backoff = minAcceptBackoff
	} else if a.backoff *= 2; a.backoff > maxAcceptBackoff {
		a.backoff = maxAcceptBackoff
	}
	a.loop.Logger().Warn("tcp: out of file descriptors; pausing accept", "addr", a.addr, "for", a.backoff)
	a.paused = true
	_ = a.ch.DisableReading()
	a.loop.RunAfter(a.backoff, func() {
		if a.fd < 0 || !a.paused {
			return
		}
		a.paused = false
		_ = a.ch.EnableReading()
	})
}

// shedPending accepts and closes pending connections with the spare fd
// until the accept queue is empty (or maxAcceptBatch were shed: the
// listener stays readable and the next wake-up goes on). It reports false
// when the spare could not be used, and the caller should pause.
func (a *acceptor) shedPending() bool {
	shed := 0
	defer func() {
		if shed > 0 && !a.shedding {
			a.shedding = true
			a.loop.Logger().Warn("tcp: out of file descriptors; closing pending connections at once", "addr", a.addr)
		}
	}()
	for shed < maxAcceptBatch {
		if a.spare < 0 {
			if a.spare = openSpare(); a.spare < 0 {
				return false
			}
		}
		socket.Close(a.spare)
		fd, _, err := socket.Accept(a.fd)
		if err == nil {
			socket.Close(fd)
			shed++
		}
		a.spare = openSpare()
		switch {
		case err == nil:
		case errors.Is(err, syscall.EAGAIN):
			return true // nobody else waiting
		case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPROTO):
		default:
			return false // out of fds again at once: the freed fd went elsewhere
		}
	}
	return true
}
