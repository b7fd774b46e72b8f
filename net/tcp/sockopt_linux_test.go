//go:build linux

package tcp

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/internal/portsock"
	mnet "github.com/seed08ffa9f8/muduo-go/net"
)

// getsockoptInt reads a socket option of a connection's socket: its fd on
// the epoll backend, the fd under its net.TCPConn on the portable one.
func getsockoptInt(fd, level, opt int) (int, error) {
	if mnet.Backend == "epoll" {
		return unix.GetsockoptInt(fd, level, opt)
	}
	c, err := portsock.TCPConn(fd)
	if err != nil {
		return 0, err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var v int
	var gerr error
	if err := rc.Control(func(raw uintptr) { v, gerr = unix.GetsockoptInt(int(raw), level, opt) }); err != nil {
		return 0, err
	}
	return v, gerr
}

// TestSocketOptions: SetTCPNoDelay and SetKeepAlive from another goroutine
// reach the connection's socket.
func TestSocketOptions(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection}, WithLoops(1))
	dial(t, s)
	c := recv(t, rec.up, "up")
	get := func(level, opt int) int {
		var v int
		onLoop(c.Loop(), func() {
			var err error
			if v, err = getsockoptInt(c.ch.Fd(), level, opt); err != nil {
				t.Error(err)
			}
		})
		return v
	}
	if get(unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 {
		t.Fatal("TCP_NODELAY is off by default")
	}
	if err := c.SetTCPNoDelay(false); err != nil {
		t.Fatal(err)
	}
	if get(unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0 {
		t.Fatal("SetTCPNoDelay(false) did not apply")
	}
	if err := c.SetKeepAlive(true, 17*time.Second); err != nil {
		t.Fatal(err)
	}
	if get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 1 || get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) != 17 {
		t.Fatal("SetKeepAlive did not apply")
	}
	onLoop(c.Loop(), func() {
		if err := c.SetTCPNoDelay(true); err != nil {
			t.Error(err)
		}
	})
	if get(unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 {
		t.Fatal("SetTCPNoDelay(true) on the loop did not apply")
	}
}
