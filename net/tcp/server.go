package tcp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	mnet "github.com/seed08ffa9f8/muduo-go/net"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// ErrServerClosed is returned by Start on a server that was shut down, and
// by ListenAndServe once the server has been.
var ErrServerClosed = errors.New("tcp: server closed")

// Server is muduo's TcpServer: an Acceptor on a base loop and a pool of IO
// loops, each owning the connections it was handed. Configure it with
// options and the Set*Callback methods, then Start it.
type Server struct {
	opts     options
	cfg      connConfig
	base     *reactor.EventLoop
	ownBase  bool
	pool     *reactor.LoopPool
	acceptor *acceptor
	sets     map[*reactor.EventLoop]*connSet
	setList  []*connSet

	bound   atomic.Pointer[netip.AddrPort] // the listening address, once listening
	nextID  atomic.Uint64
	open    atomic.Int64
	started atomic.Bool
	stopped atomic.Bool
	stopMu  sync.Mutex
	halted  bool // loops stopped; guarded by stopMu
	// baseRunning: the server's own base loop was started (stopMu).
	baseRunning bool
	done        chan struct{} // closed once the loops have stopped
}

// NewServer prepares a server; nothing listens until Start or
// ListenAndServe. Set the callbacks (SetCallbacks) before either.
func NewServer(opts ...Option) *Server {
	s := &Server{opts: defaultOptions(), done: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	s.cfg.highWater = s.opts.highWater
	s.cfg.onClosed = s.connClosed
	s.cfg.tls = newTLSOwner(&s.opts.tls, "", false)
	return s
}

// SetCallbacks sets every callback at once. Call before Start.
func (s *Server) SetCallbacks(cb Callbacks) { s.cfg.cb = cb }

// SetConnectionCallback sets the connection up/down callback. Before Start.
func (s *Server) SetConnectionCallback(f ConnectionCallback) { s.cfg.cb.Connection = f }

// SetMessageCallback sets the message callback. Before Start.
func (s *Server) SetMessageCallback(f MessageCallback) { s.cfg.cb.Message = f }

// SetWriteCompleteCallback sets the write-complete callback. Before Start.
func (s *Server) SetWriteCompleteCallback(f WriteCompleteCallback) { s.cfg.cb.WriteComplete = f }

// SetHighWaterMarkCallback sets the high-water-mark callback. Before Start.
func (s *Server) SetHighWaterMarkCallback(f HighWaterMarkCallback) { s.cfg.cb.HighWaterMark = f }

// Start listens on addr and starts the loops; connections are served from
// the moment it returns nil. addr is an address as net.Listen("tcp", addr)
// takes it: "127.0.0.1:8080", "localhost:8080" (looked up now),
// "127.0.0.1:http" (a service name), ":8080" (every address, IPv4 and
// IPv6, on one dual-stack socket), "[::1]:8080"; see net.ResolveListen
// for the rules and the one difference ("0.0.0.0:8080" is IPv4 only).
// Errors quote addr and wrap the cause. Safe from any goroutine; a server
// starts once.
func (s *Server) Start(addr string) error {
	if s.stopped.Load() {
		return ErrServerClosed
	}
	ap, err := mnet.ResolveListen(context.Background(), addr)
	if err != nil {
		return fmt.Errorf("tcp: server: %w", err)
	}
	o := &s.opts
	cfg := socket.ListenConfig{ReusePort: o.reusePort, Backlog: o.backlog, IPv6Only: o.ipv6Only}
	return s.start(func() (int, error) { return socket.Listen(ap, cfg) })
}

// start starts the loops and an acceptor on the socket listen returns.
// It holds stopMu throughout, so a Shutdown or Close from another
// goroutine waits for a start under way and then stops what it started,
// and one that came first makes it return ErrServerClosed: started is set
// before stopped is read here, and the other way round there.
func (s *Server) start(listen func() (int, error)) error {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("tcp: server already started")
	}
	if s.stopped.Load() {
		s.haltLocked()
		return ErrServerClosed
	}
	err := s.setUp(listen)
	if err != nil {
		s.haltLocked()
	}
	return err
}

// setUp makes the loops and the acceptor and starts them. On an error it
// leaves what it made for haltLocked to stop.
func (s *Server) setUp(listen func() (int, error)) error {
	o := &s.opts
	loopOpts := []reactor.Option{reactor.WithLogger(o.logger)}
	s.base = o.baseLoop
	if s.base == nil {
		l, err := reactor.New(append(loopOpts, reactor.WithName(o.name+"-base"))...)
		if err != nil {
			return err
		}
		s.base, s.ownBase = l, true
	}
	pool, err := reactor.NewLoopPool(s.base, o.loops, o.balance, o.name, loopOpts...)
	if err != nil {
		return err
	}
	s.pool = pool
	acc, err := newAcceptor(s.base, listen, s.newConnection)
	if err != nil {
		return err
	}
	acc.pauseOnly = o.pauseOnEMFILE
	s.cfg.name = o.name + "-" + acc.Addr().String()
	s.sets = make(map[*reactor.EventLoop]*connSet)
	for _, l := range pool.Loops() {
		cs := &connSet{loop: l}
		cs.unhook = l.OnIterationEnd(cs.publish)
		s.sets[l] = cs
		s.setList = append(s.setList, cs)
	}
	pool.Start()
	if s.ownBase {
		s.base.Start()
		s.baseRunning = true
	}
	s.acceptor = acc // closed on the base loop from now on
	if f := o.loopInit; f != nil {
		for _, l := range pool.Loops() {
			runAndWait(l, func() { f(l) })
		}
	}
	// Addr is valid before the first connection can be served.
	bound := acc.Addr()
	s.bound.Store(&bound)
	var lerr error
	if !runAndWait(s.base, func() { lerr = acc.Listen() }) {
		lerr = fmt.Errorf("tcp: listen: %w", reactor.ErrLoopClosed)
	}
	if lerr != nil {
		s.bound.Store(nil)
		return lerr
	}
	return nil
}

// ListenAndServe is Start followed by waiting until Shutdown or Close has
// stopped the server; then it returns ErrServerClosed (or Start's error at
// once), as net/http's ListenAndServe does.
func (s *Server) ListenAndServe(addr string) error {
	if err := s.Start(addr); err != nil {
		return err
	}
	<-s.done
	return ErrServerClosed
}

// runAndWait runs f on l and waits for it, however long it takes; it
// reports false, with f not run, when l has finished first (a Server's
// methods after Close, say): see reactor.EventLoop.RunAndWait.
func runAndWait(l *reactor.EventLoop, f func()) bool { return l.RunAndWait(f, 0) }

// Addr returns the address the server listens on (the real port when ":0"
// was asked for), or the zero AddrPort until it listens: a goroutine that
// runs ListenAndServe can be waited for with it. Safe from any goroutine.
func (s *Server) Addr() netip.AddrPort {
	if a := s.bound.Load(); a != nil {
		return *a
	}
	return netip.AddrPort{}
}

// Name returns the server's name.
func (s *Server) Name() string { return s.opts.name }

// Loops returns the IO loops (the base loop when there are none).
func (s *Server) Loops() []*reactor.EventLoop { return s.pool.Loops() }

// NumConnections returns the number of open connections. Safe from any
// goroutine.
func (s *Server) NumConnections() int64 { return s.open.Load() }

// newConnection is the acceptor's callback, on the base loop.
func (s *Server) newConnection(fd int, peer netip.AddrPort) {
	loop := s.pool.Next()
	local := s.acceptor.Addr()
	if local.Addr().IsUnspecified() {
		if la, err := socket.LocalAddr(fd); err == nil {
			local = la
		}
	}
	if s.opts.noDelay {
		_ = socket.SetNoDelay(fd, true)
	}
	c := newConn(loop, &s.cfg, fd, s.nextID.Add(1), local, peer)
	c.set = s.sets[loop]
	s.open.Add(1)
	if loop.InLoop() {
		c.connectEstablished() // one loop: no functor to allocate
	} else {
		loop.QueueInLoop(c.connectEstablished)
	}
}

func (s *Server) connClosed(*Conn) { s.open.Add(-1) }

// StopAccepting closes the listening socket; established connections are
// not touched. Connections waiting in the accept queue are accepted first
// (closing the socket would reset them), so a graceful stop serves them.
// Safe from any goroutine.
func (s *Server) StopAccepting() {
	s.stopMu.Lock()
	acc, base := s.acceptor, s.base
	s.stopMu.Unlock()
	if acc == nil {
		return
	}
	runAndWait(base, acc.DrainAndClose)
}

// ForEachConn calls f for every open connection, on each connection's own
// loop, and returns when all calls have been made. f may close the
// connection. Safe from any goroutine other than an IO loop's.
func (s *Server) ForEachConn(f func(*Conn)) {
	s.stopMu.Lock()
	sets := s.setList // fixed once start has made it
	s.stopMu.Unlock()
	eachConn(sets, f)
}

func eachConn(sets []*connSet, f func(*Conn)) {
	for _, cs := range sets {
		runAndWait(cs.loop, func() { cs.each(f) })
	}
}

// Shutdown stops the server gracefully: it stops accepting, half-closes
// every connection once its queued output has drained (the peer reads EOF
// after the last byte), waits for the peers to close, and force-closes what
// is left when ctx is done. Then the loops stop. It returns ctx.Err() if it
// had to force anything. Safe from any goroutine other than the server's
// loops.
func (s *Server) Shutdown(ctx context.Context) error {
	// stopped before started is read: see start. A server not started
	// yet is then never started (Start and Serve say ErrServerClosed).
	if !s.stopped.CompareAndSwap(false, true) || !s.started.Load() {
		return nil
	}
	s.StopAccepting()
	s.ForEachConn((*Conn).Shutdown)
	err := s.WaitIdle(ctx)
	s.stop()
	return err
}

// WaitIdle waits until no connection is open or ctx is done, and returns
// ctx.Err() in the second case. Safe from any goroutine.
func (s *Server) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.open.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Close stops the server at once: it stops accepting, force-closes every
// connection (each gets its down callback) and stops the loops. Safe from
// any goroutine other than the server's loops.
func (s *Server) Close() error {
	s.stopped.Store(true) // before Start too: Start then says ErrServerClosed
	if !s.started.Load() {
		return nil
	}
	s.stop()
	return nil
}

func (s *Server) stop() {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	s.haltLocked()
}

// haltLocked stops whatever start made, once: the acceptor, every
// connection, the loops. stopMu held.
func (s *Server) haltLocked() {
	if s.halted {
		return
	}
	s.halted = true
	defer close(s.done)
	if s.acceptor != nil { // set once the loops run
		runAndWait(s.base, s.acceptor.Close) // Close: no draining
	}
	eachConn(s.setList, func(c *Conn) { c.handleClose() })
	for _, cs := range s.setList {
		// The loops may outlive the server (a base loop of the caller's).
		// Every iteration ends by publishing, so nothing is left unsaid.
		cs.unhook()
	}
	if s.pool != nil {
		s.pool.Stop()
	}
	if s.ownBase {
		if s.baseRunning {
			s.base.Quit()
			<-s.base.Done()
		} else {
			s.base.Close()
		}
	}
}
