//go:build linux && !muduo_portable

package tcp

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// The system calls of a connection's loop side on the epoll backend: raw
// syscalls on a non-blocking fd (they can not block, so the scheduler need
// not be told).

// readFd reads once from fd into b, overflowing into scratch (readv).
func readFd(b *buffer.Buffer, fd int, scratch []byte) (int, error) { return b.ReadFd(fd, scratch) }

func readRaw(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// sendNoSignal writes with MSG_NOSIGNAL, so a peer's reset is an EPIPE
// error, never a SIGPIPE. The socket is non-blocking, so the raw syscall
// can not block and the scheduler need not be told.
func sendNoSignal(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// writevNoSignal is sendmsg with an iovec per slice (at most 64 per call;
// what is left is reported as unwritten and queued by the caller).
func writevNoSignal(fd int, bufs [][]byte) (int, error) {
	var iov [64]unix.Iovec
	cnt := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if cnt == len(iov) {
			break
		}
		iov[cnt].Base = &b[0]
		iov[cnt].SetLen(len(b))
		cnt++
	}
	if cnt == 0 {
		return 0, nil
	}
	var msg unix.Msghdr
	msg.Iov = &iov[0]
	msg.SetIovlen(cnt)
	n, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// openSpare reserves one fd (muduo's idleFd): when accept fails with EMFILE
// the acceptor can close it, accept, and close the new connection, so a
// client waiting the longest gets an answer instead of a hang.
func openSpare() int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// somaxconn is the system's largest listen backlog.
const somaxconn = unix.SOMAXCONN

// sendfileChunk sends up to n bytes of the file fd from *off to the socket
// by sendfile(2), advancing *off. A file read from disk (not cached) can
// block the loop for the read: unix.Sendfile tells the scheduler.
func sendfileChunk(sock, fd int, off *int64, n int) (int, error) {
	return unix.Sendfile(sock, fd, off, n)
}

// sendfileUnsupported reports an error of sendfile(2) that means the file
// can not be sent this way (not a regular file, a file system without
// support): the transfer copies instead.
func sendfileUnsupported(err error) bool {
	return err == unix.EINVAL || err == unix.ENOSYS || err == unix.EOPNOTSUPP || err == unix.ESPIPE
}

// adoptListener takes l's socket for an acceptor: it duplicates the fd
// (close-on-exec), checks that it is a listening IPv4 or IPv6 stream
// socket, and closes l. The duplicate shares the socket, its backlog and
// its non-blocking mode; Go's poller forgets l's own fd when l closes, and
// closing a listener never shuts the socket down, so the duplicate keeps
// accepting.
func adoptListener(l net.Listener) (int, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("a %T has no socket to take over (want a *net.TCPListener; for TLS, serve the plain listener WithTLS)", l)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, dupErr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, fmt.Errorf("duplicate the listener's socket: %w", dupErr)
	}
	if err := checkListening(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("set non-blocking: %w", err)
	}
	l.Close()
	return fd, nil
}

// errNotTCPListener: Serve was handed a socket the acceptor can not serve.
var errNotTCPListener = errors.New("not a listening TCP socket")

func checkListening(fd int) error {
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return fmt.Errorf("%w: %w", errNotTCPListener, err)
	}
	if domain != unix.AF_INET && domain != unix.AF_INET6 {
		return fmt.Errorf("%w: address family %d is not IPv4 or IPv6", errNotTCPListener, domain)
	}
	if typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || typ != unix.SOCK_STREAM {
		return fmt.Errorf("%w: not a stream socket", errNotTCPListener)
	}
	if on, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || on == 0 {
		return fmt.Errorf("%w: not listening", errNotTCPListener)
	}
	return nil
}
