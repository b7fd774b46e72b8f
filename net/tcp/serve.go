package tcp

import (
	"errors"
	"fmt"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"net"
)

// Serve serves connections accepted from l until Shutdown or Close, then
// returns ErrServerClosed, as net/http's Server.Serve does. It is for a
// listener made elsewhere: one passed by systemd (net.FileListener), one
// with socket options set by a net.ListenConfig.Control, one shared with a
// test.
//
// l must be a TCP listener with a socket underneath (*net.TCPListener, or
// a type that wraps one and implements syscall.Conn). The server takes its
// socket over: the loops accept from a duplicate of it, and l itself is
// closed before Serve starts accepting, so l must not be used afterwards
// (its Accept returns an error). A listener that decrypts (tls.Listener)
// has no such socket: serve the plain listener and give the server
// WithTLS. On the portable backend l must be a *net.TCPListener, which an
// accept goroutine then reads.
//
// Serve always closes l. It returns at once with an error if the server
// was started or closed before, or if l is not a listening TCP socket (the
// server is then left unstarted, so Serve or Start may still be called).
// Safe from any goroutine; Addr reports l's address once Serve accepts.
func (s *Server) Serve(l net.Listener) error {
	if l == nil {
		return errors.New("tcp: Serve: nil listener")
	}
	if s.stopped.Load() {
		l.Close()
		return ErrServerClosed
	}
	if s.started.Load() {
		l.Close()
		return errors.New("tcp: server already started")
	}
	// The socket is taken before the server starts, so a listener refused
	// leaves the server as it was.
	fd, err := adoptListener(l)
	if err != nil {
		l.Close()
		return fmt.Errorf("tcp: Serve %s: %w", l.Addr(), err)
	}
	taken := false
	if err := s.start(func() (int, error) { taken = true; return fd, nil }); err != nil {
		if !taken {
			socket.Close(fd)
		}
		return err
	}
	<-s.done
	return ErrServerClosed
}
