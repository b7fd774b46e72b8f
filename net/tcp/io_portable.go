//go:build !linux || muduo_portable

package tcp

import (
	"errors"
	"fmt"
	"net"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/internal/portsock"
)

// The loop side of a connection on the portable backend: the fds are
// handles of internal/portsock, whose reader and writer goroutines do the
// blocking I/O with Go's net package; these calls only take bytes from and
// hand bytes to them, and never block.

// readFd reads once from fd into b's writable space and then into scratch.
func readFd(b *buffer.Buffer, fd int, scratch []byte) (int, error) {
	n, err := portsock.Read(fd, scratch)
	if n > 0 {
		b.Append(scratch[:n])
	}
	return n, err
}

func readRaw(fd int, p []byte) (int, error) { return portsock.Read(fd, p) }

// sendNoSignal queues p for sending (no SIGPIPE can arise: Go's net
// package never raises it for a socket).
func sendNoSignal(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return portsock.Write(fd, p)
}

// writevNoSignal queues the slices back to back.
func writevNoSignal(fd int, bufs [][]byte) (int, error) { return portsock.Writev(fd, bufs) }

// openSpare reserves no fd on the portable backend: the accept goroutine
// of internal/portsock meets EMFILE itself and backs off, so there is
// nothing for the acceptor to shed with.
func openSpare() int { return -1 }

// somaxconn bounds DrainAndClose (Go's net leaves the backlog to the
// system; this is Linux's default maximum).
const somaxconn = 4096

// errNoSendfile: the portable backend has no sendfile(2); transfers copy.
var errNoSendfile = errors.New("tcp: no sendfile on the portable backend")

// sendfileChunk always refuses: portsock's writer goroutine owns the
// socket, so file bytes reach it by copying (see sendSome).
func sendfileChunk(sock, fd int, off *int64, n int) (int, error) { return 0, errNoSendfile }

func sendfileUnsupported(err error) bool { return err == errNoSendfile }

// adoptListener hands l to internal/portsock, whose accept goroutine then
// takes connections from it; portsock closes l when the acceptor closes.
func adoptListener(l net.Listener) (int, error) {
	tl, ok := l.(*net.TCPListener)
	if !ok {
		return -1, fmt.Errorf("a %T is not a *net.TCPListener (for TLS, serve the plain listener WithTLS)", l)
	}
	return portsock.AdoptListener(tl), nil
}
