//go:build !linux || muduo_portable

package socket

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/portsock"
)

// This file is the portable backend's socket layer: the same functions as
// on Linux's epoll backend, over the handles of internal/portsock, which
// wrap Go's net package. A handle is an int like a file descriptor, but it
// is not one: it means nothing to a system call. Options that need the raw
// socket say so in their errors (ErrUnsupported).

// Backend names the I/O backend this build uses: "portable" here (the
// muduo_portable build tag, or any system but Linux), "epoll" on Linux.
const Backend = "portable"

// ErrUnsupported is wrapped by the errors of the socket options the
// portable backend can not set (errors.Is(err, errors.ErrUnsupported)
// holds too).
var ErrUnsupported = fmt.Errorf("net: not supported by the portable backend: %w", errors.ErrUnsupported)

// Socket makes a TCP socket handle for ap's family, not yet connected.
func Socket(ap netip.AddrPort) (int, error) { return portsock.Socket(), nil }

// Connect starts connecting fd to ap; it returns EINPROGRESS, and fd turns
// writable when the attempt has finished (SocketError tells how).
func Connect(fd int, ap netip.AddrPort) error {
	if err := portsock.Connect(fd, ap); err != nil {
		return err
	}
	return nil // not today: a connect always completes later
}

// Close closes fd. Bytes already sent go out first, unless SetLinger0 was
// called.
func Close(fd int) error { return portsock.Close(fd) }

// ListenConfig says how Listen sets up a listening socket.
type ListenConfig struct {
	// ReusePort sets SO_REUSEPORT so several processes (or listeners) can
	// share the port. On Windows, which has no such option, Listen fails
	// with an error saying so.
	ReusePort bool
	// Backlog is the accept queue length; the portable backend leaves it
	// to Go's net package (the system's maximum).
	Backlog int
	// IPv6Only restricts an IPv6 wildcard listener to IPv6 (by default a
	// [::] listener also takes IPv4 connections, as Go's net does).
	IPv6Only bool
}

// Listen creates a listening socket bound to ap with Go's net.ListenConfig
// (which sets SO_REUSEADDR on Unix systems, as the epoll backend does).
func Listen(ap netip.AddrPort, cfg ListenConfig) (int, error) {
	fd, err := portsock.Listen(ap, portsock.ListenConfig{ReusePort: cfg.ReusePort, IPv6Only: cfg.IPv6Only})
	if err != nil {
		return -1, fmt.Errorf("net: listen %s: %w", ap, err)
	}
	return fd, nil
}

// Accept takes one connection from a listening socket, or returns an error
// wrapping EAGAIN when none is waiting.
func Accept(lfd int) (int, netip.AddrPort, error) {
	fd, peer, err := portsock.Accept(lfd)
	if err != nil {
		return -1, netip.AddrPort{}, fmt.Errorf("net: accept: %w", err)
	}
	return fd, peer, nil
}

// LocalAddr returns the address fd is bound to.
func LocalAddr(fd int) (netip.AddrPort, error) {
	ap, err := portsock.LocalAddr(fd)
	if err != nil {
		return ap, fmt.Errorf("net: local address: %w", err)
	}
	return ap, nil
}

// PeerAddr returns the address fd is connected to.
func PeerAddr(fd int) (netip.AddrPort, error) {
	ap, err := portsock.PeerAddr(fd)
	if err != nil {
		return ap, fmt.Errorf("net: peer address: %w", err)
	}
	return ap, nil
}

// SetReuseAddr is not available on the portable backend: Go's net sets
// SO_REUSEADDR on every listener of a Unix system already.
func SetReuseAddr(fd int, on bool) error {
	return fmt.Errorf("net: SO_REUSEADDR on an open socket: %w", ErrUnsupported)
}

// SetReusePort is not available on an open socket of the portable backend:
// ask for it with ListenConfig.ReusePort, which sets it before bind.
func SetReusePort(fd int, on bool) error {
	return fmt.Errorf("net: SO_REUSEPORT on an open socket (use ListenConfig.ReusePort): %w", ErrUnsupported)
}

// SetNoDelay sets TCP_NODELAY (disables Nagle's algorithm).
func SetNoDelay(fd int, on bool) error {
	if err := portsock.SetNoDelay(fd, on); err != nil {
		return fmt.Errorf("net: TCP_NODELAY: %w", err)
	}
	return nil
}

// SetKeepAlive turns TCP keepalive on or off; with on and period > 0 it also
// sets the idle time and the probe interval to period.
func SetKeepAlive(fd int, on bool, period time.Duration) error {
	if err := portsock.SetKeepAlive(fd, on, period); err != nil {
		return fmt.Errorf("net: SO_KEEPALIVE: %w", err)
	}
	return nil
}

// SocketError returns the pending error of fd (a failed connect), nil if
// none.
func SocketError(fd int) error { return portsock.SocketError(fd) }

// IsSelfConnect reports whether fd is connected to itself.
func IsSelfConnect(fd int) bool {
	l, err1 := LocalAddr(fd)
	p, err2 := PeerAddr(fd)
	return err1 == nil && err2 == nil && l == p
}

// ShutdownWrite half-closes fd after the bytes already sent: the peer reads
// EOF after them.
func ShutdownWrite(fd int) error {
	if err := portsock.ShutdownWrite(fd); err != nil {
		return fmt.Errorf("net: shutdown(SHUT_WR): %w", err)
	}
	return nil
}

// SetLinger0 makes a later close send RST instead of FIN, discarding
// unsent data: used to abort a connection.
func SetLinger0(fd int) error {
	if err := portsock.SetLinger0(fd); err != nil {
		return fmt.Errorf("net: SO_LINGER: %w", err)
	}
	return nil
}
