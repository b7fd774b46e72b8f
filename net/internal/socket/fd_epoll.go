//go:build linux && !muduo_portable

package socket

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// Backend names the I/O backend this build uses: "epoll" here, "portable"
// with the muduo_portable build tag or on any system but Linux.
const Backend = "epoll"

// Connect starts connecting the non-blocking socket fd to ap; it returns
// the connect(2) error as is (EINPROGRESS while the connection is being
// made), for the caller to test with errors.Is.
func Connect(fd int, ap netip.AddrPort) error { return unix.Connect(fd, ToSockaddr(ap)) }

// Close closes fd.
func Close(fd int) error { return unix.Close(fd) }
