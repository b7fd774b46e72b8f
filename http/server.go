package http

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// ErrServerClosed is returned by ListenAndServe after Shutdown or Close.
var ErrServerClosed = errors.New("http: server closed")

// Handler responds to an HTTP request. ServeHTTP runs on the connection's
// event loop: it must not block. A handler that has to wait (for a
// database, another service) detaches its ResponseWriter and finishes from
// another goroutine, or the server runs every handler on a worker pool
// (WithWorkers). The Request and every view it returns are valid only until
// ServeHTTP returns.
type Handler interface {
	ServeHTTP(w *ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(w *ResponseWriter, r *Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w *ResponseWriter, r *Request) { f(w, r) }

// Server is an HTTP/1.1 server on a tcp.Server: a message callback that
// parses requests incrementally out of each connection's input buffer and
// answers them in order.
type Server struct {
	handler Handler
	router  *Router // handler, when it is one: routed at head time
	chain   Handler // WithMiddleware's chain around routed{}, or nil
	opts    options
	limits  Limits

	headerTimeout, bodyTimeout, idleTimeout, lingerTimeout time.Duration
	maxPipeline, maxQueuedOutput                           int
	serverName                                             string
	serverHeader                                           []byte
	resumeOnDrain                                          tcp.WriteCompleteCallback // onWriteComplete, bound once

	tcp      *tcp.Server // set by start, under startMu
	startMu  sync.Mutex
	closed   bool // Shutdown or Close was called (startMu): nothing starts
	states   map[*reactor.EventLoop]*loopState
	stateMu  sync.Mutex
	workers  *workerPool
	baseCtx  context.Context
	stopCtx  context.CancelFunc
	done     chan struct{}
	doneOnce sync.Once

	drainMu    sync.Mutex
	draining   bool
	onShutdown []func() // RegisterOnShutdown; under drainMu

	varsName atomic.Pointer[string] // set by PublishExpvar (expvar.go)
}

// NewServer returns a server that answers every request with handler
// (usually a *Router). Nothing listens until Start or ListenAndServe.
func NewServer(handler Handler, opts ...Option) *Server {
	s := &Server{handler: handler, opts: defaultOptions(), states: make(map[*reactor.EventLoop]*loopState), done: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	o := &s.opts
	s.limits = o.limits.withDefaults()
	s.headerTimeout, s.bodyTimeout, s.idleTimeout, s.lingerTimeout = o.headerTimeout, o.bodyTimeout, o.idleTimeout, o.lingerTimeout
	s.maxPipeline, s.maxQueuedOutput = o.maxPipeline, o.maxQueuedOutput
	s.serverName = o.serverName
	if s.serverName != "" {
		s.serverHeader = []byte("Server: " + s.serverName + "\r\n")
	}
	s.router, _ = handler.(*Router)
	if len(o.middleware) > 0 {
		s.chain = compose(o.middleware, routed{})
	}
	s.baseCtx, s.stopCtx = context.WithCancel(context.Background())
	s.resumeOnDrain = s.onWriteComplete
	return s
}

// Addr returns the listening address (the real port when ":0" was asked
// for), or the zero AddrPort until the server listens: a goroutine running
// ListenAndServe or Serve can be waited for with it. Safe from any
// goroutine.
func (s *Server) Addr() netip.AddrPort {
	if ts := s.TCP(); ts != nil {
		return ts.Addr()
	}
	return netip.AddrPort{}
}

// TCP returns the underlying tcp.Server, or nil before Start or Serve.
// Safe from any goroutine.
func (s *Server) TCP() *tcp.Server {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	return s.tcp
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.opts.logger }

func (s *Server) loopState(l *reactor.EventLoop) *loopState {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.states[l]
}

func (s *Server) onConnection(tc *tcp.Conn) {
	if tc.Connected() {
		ls := s.loopState(tc.Loop())
		c := &conn{tc: tc, ls: ls}
		s.drainMu.Lock()
		c.draining = s.draining
		s.drainMu.Unlock()
		tc.SetData(c)
		ls.add(c)
		ls.stats.accepted.Add(1)
		c.setDeadline(dlHeader)
		return
	}
	c, ok := tc.Data().(*conn)
	if !ok {
		hijackClosed(tc, tc.Data())
		return
	}
	c.closed.Store(true)
	c.ls.remove(c)
	c.ls.stats.closed.Add(1)
	c.removeAllTempFiles() // before the context: a handler woken by it finds them gone
	c.cancelContext()
	c.wakeDrainWaiters()
	if c.stream != nil {
		c.stream.finish(ErrBodyAborted)
	}
	releaseSlotFiles(c.head)
	c.head, c.tail, c.slots = nil, nil, 0
}

func (s *Server) onMessage(tc *tcp.Conn, in *buffer.Buffer, t time.Time) {
	if c, ok := tc.Data().(*conn); ok {
		c.process(in)
	} else if h := hijackOwner(tc.Data()); h != nil {
		h.Message(tc, in, t)
	} else {
		in.RetrieveAll()
	}
}

// onHalfClose: the client closed its side after sending. Requests it sent
// are still answered (a detached or worker response included, which is why
// the connection does not just close), then the connection closes. After
// tcp.HalfCloseGrace tcp closes it anyway, which cancels the requests'
// context as for a client that left.
func (s *Server) onHalfClose(tc *tcp.Conn) {
	c, ok := tc.Data().(*conn)
	if !ok {
		if h := hijackOwner(tc.Data()); h != nil {
			h.HalfClose(tc)
			return
		}
		tc.Shutdown()
		return
	}
	c.peerEOF = true
	// As net/http does on EOF: the client is gone as far as handlers can
	// tell (a half-close looks the same as a close); what it sent is
	// still answered.
	c.cancelContext()
	if c.stream != nil {
		c.stream.finish(ErrBodyAborted) // the body will never be complete
	}
	if !c.paused {
		c.closeAfter = true
		c.flushBatch()
		c.maybeClose()
	}
}

// onWriteComplete is a paused connection's own WriteComplete callback (see
// conn.pause): the output it waited on has drained.
func (s *Server) onWriteComplete(tc *tcp.Conn) {
	c, ok := tc.Data().(*conn)
	if !ok {
		return
	}
	c.wakeDrainWaiters()
	if c.paused {
		c.resume()
	}
	c.updateDrainCallback()
}

// handlerFor picks the handler for a request whose head is complete: run,
// what serves it (the route's middleware chain inside WithMiddleware's),
// and inner, the handler as registered, whose capabilities decide how
// (StreamingHandler, Refuser). With a Router it resolves the route now, so
// that Expect: 100-continue can be refused before the body is sent.
func (s *Server) handlerFor(r *Request) (run, inner Handler) {
	if s.router != nil {
		run, inner = s.router.resolve(r)
	} else {
		run, inner = s.handler, s.handler
	}
	if s.chain != nil {
		r.routed, run = run, s.chain
	}
	return run, inner
}

// Draining reports whether a graceful shutdown is in progress (a health
// check should then report not ready). Safe from any goroutine.
func (s *Server) Draining() bool {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	return s.draining
}

// Shutdown stops the server gracefully: it stops accepting, closes idle
// connections (at once, or once idle past WithDrainIdleGrace), lets every request in progress finish with "Connection:
// close" on its response, and waits for the connections to close or ctx to
// end, after which the rest are closed by force. Safe from any goroutine.
func (s *Server) Shutdown(ctx context.Context) error {
	ts := s.markClosed()
	if ts == nil {
		return nil
	}
	s.drainMu.Lock()
	already := s.draining
	s.draining = true
	hooks := s.onShutdown
	s.drainMu.Unlock()
	if already {
		return ts.WaitIdle(ctx)
	}
	for _, f := range hooks {
		go f()
	}
	grace := s.opts.drainIdleGrace
	// Connections are marked before the listener stops: a client that
	// sees its new connection refused and sends on an open one gets
	// Connection: close (a connection accepted meanwhile reads s.draining).
	ts.ForEachConn(func(tc *tcp.Conn) {
		if c, ok := tc.Data().(*conn); ok {
			c.draining = true
			if grace <= 0 {
				c.closeIfIdle()
			}
		} else if h := hijackOwner(tc.Data()); h != nil {
			h.Shutdown(tc)
		}
	})
	ts.StopAccepting()
	if grace > 0 {
		// WithDrainIdleGrace: idle connections get their next response
		// with Connection: close; those that stay idle are closed now.
		gctx, cancel := context.WithTimeout(ctx, grace)
		_ = ts.WaitIdle(gctx)
		cancel()
		ts.ForEachConn(func(tc *tcp.Conn) {
			if c, ok := tc.Data().(*conn); ok {
				c.closeIfIdle()
			}
		})
	}
	err := ts.WaitIdle(ctx)
	s.Close()
	return err
}

// RegisterOnShutdown registers f to be called, on a goroutine of its own,
// when Shutdown begins, as net/http's Server.RegisterOnShutdown: the place
// to tell connections the server no longer tracks as HTTP (hijacked ones,
// such as WebSockets served through Adapt) to wind down, since Shutdown
// waits for them until its context ends and then closes them. Safe from
// any goroutine.
func (s *Server) RegisterOnShutdown(f func()) {
	s.drainMu.Lock()
	s.onShutdown = append(s.onShutdown, f)
	s.drainMu.Unlock()
}

// closeIfIdle closes a connection that is between requests. Loop only.
func (c *conn) closeIfIdle() {
	if c.phase == phaseHead && c.head == nil && c.inflight == 0 && c.tc.Input().ReadableBytes() == 0 {
		c.closeAfter = true
		c.maybeClose()
	}
}

// Close stops the server at once: every connection is closed and the
// loops stop. Safe from any goroutine.
func (s *Server) Close() error {
	ts := s.markClosed()
	if ts == nil {
		return nil
	}
	s.drainMu.Lock()
	s.draining = true
	s.drainMu.Unlock()
	err := ts.Close()
	s.stateMu.Lock()
	for _, ls := range s.states {
		ls.detach()
	}
	s.stateMu.Unlock()
	s.stopCtx()
	if s.workers != nil {
		s.workers.stop()
	}
	s.doneOnce.Do(func() { close(s.done) })
	return err
}
