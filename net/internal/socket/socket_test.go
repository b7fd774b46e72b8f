//go:build linux && !muduo_portable

package socket

import (
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

func closeAtEnd(t *testing.T, fd int) {
	t.Helper()
	t.Cleanup(func() { unix.Close(fd) })
}

// waitFd polls fd for events, failing the test after a generous guard.
func waitFd(t *testing.T, fd int, events int16) int16 {
	t.Helper()
	pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		n, err := unix.Poll(pfd, 20000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if n == 0 {
			t.Fatalf("fd %d not ready for %#x within 20s", fd, events)
		}
		return pfd[0].Revents
	}
}

// connect starts a non-blocking connect of a fresh socket to ap and waits
// until it is writable (connected or failed).
func connect(t *testing.T, ap netip.AddrPort) int {
	t.Helper()
	fd, err := Socket(ap)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, fd)
	if err := unix.Connect(fd, ToSockaddr(ap)); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		t.Fatalf("connect %v: %v", ap, err)
	}
	waitFd(t, fd, unix.POLLOUT)
	return fd
}

func accept(t *testing.T, lfd int) (int, netip.AddrPort) {
	t.Helper()
	for {
		fd, peer, err := Accept(lfd)
		if errors.Is(err, unix.EAGAIN) {
			waitFd(t, lfd, unix.POLLIN)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, fd)
		return fd, peer
	}
}

func TestSocketFlags(t *testing.T) {
	fd, err := Socket(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, fd)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("socket is not non-blocking (flags %#x, %v)", fl, err)
	}
	fdfl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("socket is not close-on-exec (flags %#x, %v)", fdfl, err)
	}
	if dom, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); dom != unix.AF_INET {
		t.Errorf("domain %d, want AF_INET", dom)
	}
	if typ, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); typ != unix.SOCK_STREAM {
		t.Errorf("type %d, want SOCK_STREAM", typ)
	}
}

func testListenAccept(t *testing.T, addr string) {
	lfd, err := Listen(netip.MustParseAddrPort(addr), ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, lfd)
	laddr, err := LocalAddr(lfd)
	if err != nil {
		t.Fatal(err)
	}
	if laddr.Addr() != netip.MustParseAddrPort(addr).Addr() || laddr.Port() == 0 {
		t.Fatalf("listener bound to %v", laddr)
	}
	if v, _ := unix.GetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR); v == 0 {
		t.Error("listener lacks SO_REUSEADDR")
	}
	if v, _ := unix.GetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); v != 1 {
		t.Error("socket is not listening")
	}

	// Nothing to accept yet: EAGAIN, comparable with errors.Is.
	if _, _, err := Accept(lfd); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("Accept on empty queue = %v, want EAGAIN", err)
	}

	cfd := connect(t, laddr)
	if err := SocketError(cfd); err != nil {
		t.Fatalf("connect: %v", err)
	}
	sfd, peer := accept(t, lfd)

	caddr, err := LocalAddr(cfd)
	if err != nil {
		t.Fatal(err)
	}
	if peer != caddr {
		t.Errorf("Accept peer %v, client local %v", peer, caddr)
	}
	if p, err := PeerAddr(cfd); err != nil || p != laddr {
		t.Errorf("client PeerAddr = %v, %v; want %v", p, err, laddr)
	}
	if p, err := PeerAddr(sfd); err != nil || p != caddr {
		t.Errorf("server PeerAddr = %v, %v; want %v", p, err, caddr)
	}
	if l, err := LocalAddr(sfd); err != nil || l != laddr {
		t.Errorf("server LocalAddr = %v, %v; want %v", l, err, laddr)
	}
	if fl, _ := unix.FcntlInt(uintptr(sfd), unix.F_GETFL, 0); fl&unix.O_NONBLOCK == 0 {
		t.Error("accepted fd is blocking")
	}
	if IsSelfConnect(cfd) || IsSelfConnect(sfd) {
		t.Error("IsSelfConnect true on a normal connection")
	}

	// Bytes flow, and ShutdownWrite gives the peer EOF after them.
	if _, err := unix.Write(cfd, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := ShutdownWrite(cfd); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16)
	for {
		waitFd(t, sfd, unix.POLLIN)
		n, err := unix.Read(sfd, buf)
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "ping" {
		t.Fatalf("server read %q", got)
	}
}

func TestListenAcceptIPv4(t *testing.T) { testListenAccept(t, "127.0.0.1:0") }

func TestListenAcceptIPv6(t *testing.T) {
	skipWithoutIPv6(t)
	testListenAccept(t, "[::1]:0")
}

func skipWithoutIPv6(t *testing.T) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no IPv6 sockets: %v", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}); err != nil {
		t.Skipf("cannot bind [::1]: %v", err)
	}
}

func TestListenDualStack(t *testing.T) {
	skipWithoutIPv6(t)
	// A [::] listener takes IPv4 connections unless IPv6Only; the peer
	// address comes back unmapped.
	lfd, err := Listen(netip.MustParseAddrPort("[::]:0"), ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, lfd)
	if v, _ := unix.GetsockoptInt(lfd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); v != 0 {
		t.Fatalf("IPV6_V6ONLY = %d on a dual-stack listener", v)
	}
	laddr, _ := LocalAddr(lfd)
	cfd := connect(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), laddr.Port()))
	if err := SocketError(cfd); err != nil {
		t.Fatalf("IPv4 connect to [::] listener: %v", err)
	}
	_, peer := accept(t, lfd)
	if !peer.Addr().Is4() || peer.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("peer of IPv4 client = %v, want unmapped 127.0.0.1", peer)
	}

	only, err := Listen(netip.MustParseAddrPort("[::]:0"), ListenConfig{IPv6Only: true})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, only)
	if v, _ := unix.GetsockoptInt(only, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); v != 1 {
		t.Fatalf("IPV6_V6ONLY = %d with IPv6Only", v)
	}
}

func TestListenErrors(t *testing.T) {
	// An address that is not ours cannot be bound.
	if fd, err := Listen(netip.MustParseAddrPort("192.0.2.1:0"), ListenConfig{}); err == nil {
		unix.Close(fd)
		t.Error("Listen on a foreign address succeeded")
	}
	if _, _, err := Accept(-1); !errors.Is(err, unix.EBADF) {
		t.Errorf("Accept(-1) = %v, want EBADF", err)
	}
	if _, err := LocalAddr(-1); err == nil {
		t.Error("LocalAddr(-1) succeeded")
	}
	if _, err := PeerAddr(-1); err == nil {
		t.Error("PeerAddr(-1) succeeded")
	}
	if IsSelfConnect(-1) {
		t.Error("IsSelfConnect(-1)")
	}
	if err := SocketError(-1); !errors.Is(err, unix.EBADF) {
		t.Errorf("SocketError(-1) = %v", err)
	}
}

func TestSocketErrorRefused(t *testing.T) {
	// A bound socket that is not listening refuses connections (RST), and
	// keeping it open keeps the port from being reused meanwhile.
	hold, err := Socket(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, hold)
	if err := unix.Bind(hold, ToSockaddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		t.Fatal(err)
	}
	ap, _ := LocalAddr(hold)

	fd, err := Socket(ap)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, fd)
	err = unix.Connect(fd, ToSockaddr(ap))
	if err == nil {
		t.Fatal("connect to a closed port succeeded")
	}
	if errors.Is(err, unix.EINPROGRESS) {
		waitFd(t, fd, unix.POLLOUT)
		err = SocketError(fd)
	}
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("refused connect gave %v, want ECONNREFUSED", err)
	}
	// SO_ERROR is cleared by reading it.
	if err := SocketError(fd); err != nil {
		t.Fatalf("second SocketError = %v, want nil", err)
	}
}

func TestIsSelfConnect(t *testing.T) {
	// Bind to 127.0.0.1:P and connect to 127.0.0.1:P: TCP's simultaneous
	// open connects the socket to itself.
	fd, err := Socket(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, fd)
	if err := unix.Bind(fd, ToSockaddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		t.Fatal(err)
	}
	ap, _ := LocalAddr(fd)
	if err := unix.Connect(fd, ToSockaddr(ap)); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		t.Fatalf("self connect: %v", err)
	}
	waitFd(t, fd, unix.POLLOUT)
	if err := SocketError(fd); err != nil {
		t.Skipf("this kernel does not do TCP simultaneous open onto itself: %v", err)
	}
	if !IsSelfConnect(fd) {
		l, _ := LocalAddr(fd)
		p, _ := PeerAddr(fd)
		t.Fatalf("IsSelfConnect false on a self-connected socket (local %v, peer %v)", l, p)
	}
	// It really is a loop: what it writes, it reads.
	if _, err := unix.Write(fd, []byte("echo")); err != nil {
		t.Fatal(err)
	}
	waitFd(t, fd, unix.POLLIN)
	buf := make([]byte, 8)
	n, err := unix.Read(fd, buf)
	if err != nil || string(buf[:n]) != "echo" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}

	// An unconnected socket is not self-connected (no peer).
	other, err := Socket(ap)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, other)
	if IsSelfConnect(other) {
		t.Fatal("IsSelfConnect true on an unconnected socket")
	}
}
