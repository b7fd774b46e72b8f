//go:build linux && !muduo_portable

package reactor

import (
	"testing"

	"golang.org/x/sys/unix"
)

// backendFds is how many fds a new loop holds: its epoll instance and its
// eventfd.
const backendFds = 2

// socketpair returns a non-blocking AF_UNIX stream pair. The test closes
// both ends itself (t.Cleanup(closeFds(...)) or explicitly).
func socketpair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fds[0], fds[1]
}

// closeFds returns a func closing fds, for t.Cleanup.
func closeFds(fds ...int) func() {
	return func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
}

// writeString writes s to fd in one write.
func writeString(t testing.TB, fd int, s string) {
	t.Helper()
	if n, err := unix.Write(fd, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: n=%d err=%v", s, n, err)
	}
}
