//go:build linux && !muduo_portable

package socket

import (
	"errors"
	stdnet "net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestConnectAndClose: Connect starts a non-blocking connect on a socket
// of the epoll backend (EINPROGRESS, or done at once on loopback) that
// then completes against a listener, and Close closes the fd (a second
// Close is EBADF).
func TestConnectAndClose(t *testing.T) {
	l, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	ap := netip.MustParseAddrPort(l.Addr().String())
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Connect(fd, ap); err != nil && !errors.Is(err, syscall.EINPROGRESS) {
		t.Fatalf("Connect: %v", err)
	}
	select {
	case err := <-accepted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the listener accepted nothing")
	}
	if err := Close(fd); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := Close(fd); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("second Close: %v, want EBADF", err)
	}
}
