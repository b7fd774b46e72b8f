package http

import (
	"errors"
	"net"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Start listens on addr (an address as net.Listen takes it, see
// tcp.Server.Start) and serves in the background; it returns once the
// server accepts connections. Safe from any goroutine; a server starts
// once, and not at all after Shutdown or Close (ErrServerClosed).
func (s *Server) Start(addr string) error {
	ts, err := s.newTCPServer()
	if err != nil {
		return err
	}
	if err := ts.Start(addr); err != nil {
		s.startFailed()
		if errors.Is(err, tcp.ErrServerClosed) {
			return ErrServerClosed
		}
		return err
	}
	return nil
}

// ListenAndServe is Start followed by waiting until the server is shut
// down; it then returns ErrServerClosed, or Start's error.
func (s *Server) ListenAndServe(addr string) error {
	if err := s.Start(addr); err != nil {
		return err
	}
	<-s.done
	return ErrServerClosed
}

// Serve serves the connections of a listener made elsewhere (systemd's
// socket, a net.ListenConfig with its own Control, a test's) until
// Shutdown or Close, then returns ErrServerClosed, as net/http's
// Server.Serve. The server takes l's socket over and closes l: see
// tcp.Server.Serve for which listeners can be served (a TLS listener can
// not: use ServeTLS or WithTLSConfig on the plain one). Serve always closes
// l. Safe from any goroutine; once, as Start.
func (s *Server) Serve(l net.Listener) error {
	ts, err := s.newTCPServer()
	if err != nil {
		l.Close()
		return err
	}
	if err := ts.Serve(l); !errors.Is(err, tcp.ErrServerClosed) {
		s.startFailed()
		return err
	}
	<-s.done // Close finishes after the tcp server stops
	return ErrServerClosed
}

// newTCPServer makes the tcp.Server that Start or Serve starts, and
// publishes it under startMu, so that a Shutdown or Close from another
// goroutine either comes first (and then nothing starts) or stops it.
func (s *Server) newTCPServer() (*tcp.Server, error) {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.closed {
		return nil, ErrServerClosed
	}
	if s.tcp != nil {
		return nil, errors.New("http: server already started")
	}
	o := &s.opts
	if o.workers > 0 {
		s.workers = newWorkerPool(o.workers, o.workerQueue, o.logger)
	}
	topts := append([]tcp.Option{
		tcp.WithName(o.name), tcp.WithLoops(o.loops), tcp.WithReusePort(o.reusePort), tcp.WithLogger(o.logger),
		tcp.WithLoopInit(func(l *reactor.EventLoop) {
			ls := newLoopState(s, l)
			s.stateMu.Lock()
			s.states[l] = ls
			s.stateMu.Unlock()
		}),
	}, o.tcpOptions...)
	if o.tlsConfig != nil {
		topts = append(topts, tlsOptions(o, o.tlsConfig)...)
	}
	ts := tcp.NewServer(topts...)
	ts.SetCallbacks(tcp.Callbacks{
		Connection: s.onConnection,
		Message:    s.onMessage,
		HalfClose:  s.onHalfClose,
	})
	s.tcp = ts
	return ts, nil
}

// startFailed stops the workers of a server whose tcp.Server did not
// start. It stays started: a server starts once.
func (s *Server) startFailed() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.workers != nil {
		s.workers.stop()
	}
}

// markClosed records that Shutdown or Close was called and returns the
// tcp.Server to stop, or nil when none was made (then the server is done
// at once: a ListenAndServe waiting can not exist, a later one returns
// ErrServerClosed).
func (s *Server) markClosed() *tcp.Server {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	s.closed = true
	if s.tcp == nil {
		s.doneOnce.Do(func() { close(s.done) })
	}
	return s.tcp
}
