//go:build linux && !muduo_portable

package socket

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func getInt(t *testing.T, fd, level, opt int) int {
	t.Helper()
	v, err := unix.GetsockoptInt(fd, level, opt)
	if err != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, opt, err)
	}
	return v
}

func TestSocketOptions(t *testing.T) {
	fd, err := Socket(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, fd)

	for _, on := range []bool{true, false, true} {
		if err := SetNoDelay(fd, on); err != nil {
			t.Fatal(err)
		}
		if got := getInt(t, fd, unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0; got != on {
			t.Errorf("TCP_NODELAY = %v after SetNoDelay(%v)", got, on)
		}
		if err := SetReusePort(fd, on); err != nil {
			t.Fatal(err)
		}
		if got := getInt(t, fd, unix.SOL_SOCKET, unix.SO_REUSEPORT) != 0; got != on {
			t.Errorf("SO_REUSEPORT = %v after SetReusePort(%v)", got, on)
		}
		if err := SetReuseAddr(fd, on); err != nil {
			t.Fatal(err)
		}
		if got := getInt(t, fd, unix.SOL_SOCKET, unix.SO_REUSEADDR) != 0; got != on {
			t.Errorf("SO_REUSEADDR = %v after SetReuseAddr(%v)", got, on)
		}
	}

	if err := SetKeepAlive(fd, true, 0); err != nil {
		t.Fatal(err)
	}
	if getInt(t, fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE) == 0 {
		t.Error("SO_KEEPALIVE off after SetKeepAlive(true)")
	}
	// A period is rounded up to whole seconds and sets idle and interval.
	if err := SetKeepAlive(fd, true, 2500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if v := getInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE); v != 3 {
		t.Errorf("TCP_KEEPIDLE = %d, want 3", v)
	}
	if v := getInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL); v != 3 {
		t.Errorf("TCP_KEEPINTVL = %d, want 3", v)
	}
	if err := SetKeepAlive(fd, false, time.Minute); err != nil {
		t.Fatal(err)
	}
	if getInt(t, fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0 {
		t.Error("SO_KEEPALIVE on after SetKeepAlive(false)")
	}
	// Turning keepalive off leaves the timers alone.
	if v := getInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE); v != 3 {
		t.Errorf("TCP_KEEPIDLE = %d after turning keepalive off", v)
	}

	if err := SetLinger0(fd); err != nil {
		t.Fatal(err)
	}
	l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
	if err != nil || l.Onoff == 0 || l.Linger != 0 {
		t.Errorf("SO_LINGER = %+v, %v", l, err)
	}

	if err := SetNoDelay(-1, true); !errors.Is(err, unix.EBADF) {
		t.Errorf("SetNoDelay(-1) = %v", err)
	}
	if err := SetKeepAlive(-1, true, time.Second); !errors.Is(err, unix.EBADF) {
		t.Errorf("SetKeepAlive(-1) = %v", err)
	}
}

func TestReusePortListeners(t *testing.T) {
	first, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"), ListenConfig{ReusePort: true})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, first)
	if getInt(t, first, unix.SOL_SOCKET, unix.SO_REUSEPORT) == 0 {
		t.Fatal("ReusePort listener lacks SO_REUSEPORT")
	}
	ap, _ := LocalAddr(first)
	second, err := Listen(ap, ListenConfig{ReusePort: true})
	if err != nil {
		t.Fatalf("second ReusePort listener on %v: %v", ap, err)
	}
	closeAtEnd(t, second)
	if a, _ := LocalAddr(second); a != ap {
		t.Fatalf("second listener bound to %v, want %v", a, ap)
	}

	// Without SO_REUSEPORT the port is taken (SO_REUSEADDR alone does not
	// allow two listeners).
	if fd, err := Listen(ap, ListenConfig{}); err == nil {
		unix.Close(fd)
		t.Fatalf("a listener without ReusePort could bind the taken port %v", ap)
	} else if !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("got %v, want EADDRINUSE", err)
	}

	plain, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"), ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, plain)
	pap, _ := LocalAddr(plain)
	if fd, err := Listen(pap, ListenConfig{ReusePort: true}); err == nil {
		unix.Close(fd)
		t.Fatalf("ReusePort listener joined a port whose owner did not set it")
	}
}
