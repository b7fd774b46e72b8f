//go:build linux && !muduo_portable

package socket

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Socket creates a non-blocking, close-on-exec TCP socket for ap's family.
func Socket(ap netip.AddrPort) (int, error) {
	fd, err := unix.Socket(Family(ap), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, fmt.Errorf("net: socket for %s: %w", ap, err)
	}
	return fd, nil
}

// ListenConfig says how Listen sets up a listening socket.
type ListenConfig struct {
	// ReusePort sets SO_REUSEPORT so several processes (or listeners) can
	// share the port, the kernel spreading connections between them.
	ReusePort bool
	// Backlog is the accept queue length; 0 means SOMAXCONN.
	Backlog int
	// IPv6Only restricts an IPv6 wildcard listener to IPv6 (by default a
	// [::] listener also takes IPv4 connections, as Go's net does).
	IPv6Only bool
}

// Listen creates a non-blocking listening socket bound to ap, with
// SO_REUSEADDR (so a restarted server can bind while old connections sit in
// TIME_WAIT) and the options in cfg. The IPv6 wildcard address [::] (what
// ResolveListen makes of ":port") is a dual-stack listener unless
// cfg.IPv6Only: it also takes IPv4 connections, whose addresses are
// reported unmapped (127.0.0.1, not ::ffff:127.0.0.1). Where the system has
// no IPv6 it binds the IPv4 wildcard 0.0.0.0 instead, as Go's net.Listen.
// Errors name the address and wrap the errno.
func Listen(ap netip.AddrPort, cfg ListenConfig) (int, error) {
	fd, err := listen(ap, cfg)
	if err != nil && isDualStack(ap, cfg) && noIPv6(err) {
		return listen(netip.AddrPortFrom(netip.IPv4Unspecified(), ap.Port()), cfg)
	}
	return fd, err
}

func listen(ap netip.AddrPort, cfg ListenConfig) (int, error) {
	fd, err := Socket(ap)
	if err != nil {
		return -1, err
	}
	fail := func(what string, err error) (int, error) {
		unix.Close(fd)
		return -1, fmt.Errorf("net: listen %s: %s: %w", ap, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("SO_REUSEADDR", err)
	}
	if cfg.ReusePort {
		if err := SetReusePort(fd, true); err != nil {
			return fail("SO_REUSEPORT", err)
		}
	}
	if ap.Addr().Is6() {
		v := 0
		if cfg.IPv6Only {
			v = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v); err != nil {
			return fail("IPV6_V6ONLY", err)
		}
	}
	if err := unix.Bind(fd, ToSockaddr(ap)); err != nil {
		return fail("bind", err)
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = unix.SOMAXCONN
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fail("listen", err)
	}
	return fd, nil
}

// SetReuseAddr sets SO_REUSEADDR.
func SetReuseAddr(fd int, on bool) error {
	return setBool(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, on, "SO_REUSEADDR")
}

// SetReusePort sets SO_REUSEPORT.
func SetReusePort(fd int, on bool) error {
	return setBool(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, on, "SO_REUSEPORT")
}

// SetNoDelay sets TCP_NODELAY (disables Nagle's algorithm).
func SetNoDelay(fd int, on bool) error {
	return setBool(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, on, "TCP_NODELAY")
}

// SetKeepAlive turns TCP keepalive on or off; with on and period > 0 it also
// sets the idle time and the probe interval to period.
func SetKeepAlive(fd int, on bool, period time.Duration) error {
	if err := setBool(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, on, "SO_KEEPALIVE"); err != nil || !on || period <= 0 {
		return err
	}
	secs := int((period + time.Second - 1) / time.Second)
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs); err != nil {
		return fmt.Errorf("net: TCP_KEEPIDLE: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs); err != nil {
		return fmt.Errorf("net: TCP_KEEPINTVL: %w", err)
	}
	return nil
}

func setBool(fd, level, opt int, on bool, name string) error {
	v := 0
	if on {
		v = 1
	}
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return fmt.Errorf("net: %s: %w", name, err)
	}
	return nil
}

// SocketError returns the pending error of fd (SO_ERROR), nil if none.
func SocketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("net: SO_ERROR: %w", err)
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

// IsSelfConnect reports whether fd is connected to itself: a connect to a
// local port in the ephemeral range can be given that same port as its
// source, and TCP's simultaneous open then "succeeds" with no server.
func IsSelfConnect(fd int) bool {
	l, err1 := LocalAddr(fd)
	p, err2 := PeerAddr(fd)
	return err1 == nil && err2 == nil && l == p
}

// ShutdownWrite half-closes fd: the peer reads EOF after the queued bytes.
func ShutdownWrite(fd int) error {
	if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
		return fmt.Errorf("net: shutdown(SHUT_WR): %w", err)
	}
	return nil
}

// SetLinger0 makes a later close send RST instead of FIN, discarding
// unsent data: used to abort a connection.
func SetLinger0(fd int) error {
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err != nil {
		return fmt.Errorf("net: SO_LINGER: %w", err)
	}
	return nil
}
