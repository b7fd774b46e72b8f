//go:build !linux || muduo_portable

package reactor

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/portsock"
)

// backendFds is how many fds a new loop holds: none on the portable
// backend (its poller is a Go channel).
const backendFds = 0

// socketpair returns two connected socket handles of the portable backend
// (a loopback TCP connection: the backend polls nothing else). The test
// closes both ends itself (t.Cleanup(closeFds(...)) or explicitly).
func socketpair(t *testing.T) (int, int) {
	t.Helper()
	lfd, err := portsock.Listen(netip.MustParseAddrPort("127.0.0.1:0"), portsock.ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer portsock.Close(lfd)
	ap, err := portsock.LocalAddr(lfd)
	if err != nil {
		t.Fatal(err)
	}
	a := portsock.Socket()
	_ = portsock.Connect(a, ap)
	for {
		b, _, err := portsock.Accept(lfd)
		if err == nil {
			for _, w, _ := portsock.Poll(a); !w; _, w, _ = portsock.Poll(a) {
				time.Sleep(time.Millisecond)
			}
			if err := portsock.SocketError(a); err != nil {
				t.Fatal(err)
			}
			return a, b
		}
		time.Sleep(time.Millisecond)
	}
}

// closeFds returns a func closing fds, for t.Cleanup.
func closeFds(fds ...int) func() {
	return func() {
		for _, fd := range fds {
			portsock.Close(fd)
		}
	}
}

// writeString writes s to fd in one write.
func writeString(t testing.TB, fd int, s string) {
	t.Helper()
	if n, err := portsock.Write(fd, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: n=%d err=%v", s, n, err)
	}
}
