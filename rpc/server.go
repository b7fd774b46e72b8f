package rpc

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	jsoniter "github.com/json-iterator/go"
	"github.com/valyala/bytebufferpool"
)

// Defaults for the options left unset.
const (
	DefaultMaxMessageSize = 4 << 20 // 4 MiB per JSON text
	DefaultMaxBatch       = 1000    // calls per batch
	DefaultMaxDepth       = 128     // nesting levels per text (at most 1024)
	DefaultQueueSize      = 1024    // blocking calls waiting for a worker
	DefaultMaxInFlight    = 256     // blocking calls outstanding per Session
)

// Limits bounds what one peer can make the server do. Every violation is
// answered with an error response; none crashes or blocks the server.
type Limits struct {
	MaxMessageSize int // bytes of one JSON text; default DefaultMaxMessageSize
	MaxBatch       int // elements of one batch; default DefaultMaxBatch
	MaxDepth       int // nesting depth; default DefaultMaxDepth, capped at 1024
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = DefaultMaxMessageSize
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = DefaultMaxBatch
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	l.MaxDepth = min(l.MaxDepth, maxDepthLimit)
	return l
}

// options configures a Server; see the With* Options. Zero fields take the
// documented defaults.
type options struct {
	Limits
	// Workers is the size of the pool that runs blocking methods;
	// default 4*GOMAXPROCS (at least 4). Workers start on first use.
	Workers int
	// QueueSize bounds blocking calls waiting for a worker. A call that
	// finds the queue full is answered at once with CodeServerBusy
	// rather than waiting: the event loop must never block.
	QueueSize int
	// MaxInFlight bounds the blocking calls outstanding per Session
	// (batch elements count one each; inline calls never count); the
	// excess is answered with CodeServerBusy. See Session.Saturated.
	MaxInFlight int
	// AllowUnknownFields makes unknown object members in params ignored
	// instead of an Invalid params error.
	AllowUnknownFields bool
	// Logger receives handler panics and encoding failures; default
	// slog.Default().
	Logger *slog.Logger
}

// Server is the method registry and dispatcher. Register methods first, then
// call Dispatch from any number of goroutines. Close stops the workers.
type Server struct {
	methods map[string]*method
	limits  Limits
	opts    options
	json    jsoniter.API
	log     *slog.Logger
	bufs    bytebufferpool.Pool
	pool    workerPool
	stats   serverStats // error counters by code (stats.go)
	ws      wsCounters  // the WebSocket transport's (websocket.go)
}

// Option configures a Server.
type Option func(*options)

// WithLimits sets the message size, batch length and nesting depth limits
// (zero fields keep the defaults).
func WithLimits(l Limits) Option { return func(o *options) { o.Limits = l } }

// WithWorkers sets the size of the pool that runs blocking methods
// (default 4*GOMAXPROCS, at least 4).
func WithWorkers(n int) Option { return func(o *options) { o.Workers = n } }

// WithQueueSize bounds the blocking calls waiting for a worker; a call that
// finds the queue full is answered at once with CodeServerBusy.
func WithQueueSize(n int) Option { return func(o *options) { o.QueueSize = n } }

// WithMaxInFlight bounds the blocking calls outstanding per Session.
func WithMaxInFlight(n int) Option { return func(o *options) { o.MaxInFlight = n } }

// WithAllowUnknownFields makes unknown object members in params ignored
// instead of an Invalid params error.
func WithAllowUnknownFields(on bool) Option { return func(o *options) { o.AllowUnknownFields = on } }

// WithLogger sets the logger for handler panics and encoding failures.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.Logger = l } }

// NewServer returns an empty Server configured by opts. Call Close when
// done: it stops the worker goroutines (started on the first blocking call).
func NewServer(optFns ...Option) *Server {
	var opts options
	for _, f := range optFns {
		f(&opts)
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.Workers <= 0 {
		opts.Workers = max(4, 4*runtime.GOMAXPROCS(0))
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		methods: make(map[string]*method),
		limits:  opts.Limits,
		opts:    opts,
		json:    newJSONConfig(opts.AllowUnknownFields),
		log:     opts.Logger,
	}
	s.pool.size = opts.Workers
	s.pool.queue = make(chan *task, opts.QueueSize)
	return s
}

// Limits returns the effective limits (defaults filled in), for codecs:
// NewStreamCodec(s.Limits()). Safe for concurrent use.
func (s *Server) Limits() Limits { return s.limits }

// Close stops accepting blocking calls, lets the queued ones finish
// (their callbacks still run) and waits for the workers to exit. Blocking
// calls dispatched afterwards are answered with CodeServerClosed; inline
// ones keep working. Safe to call more than once, from any goroutine.
func (s *Server) Close() { s.pool.close() }

// Session is the per-connection dispatch state: the connection context
// handed to handlers and the count of blocking calls still outstanding.
type Session struct {
	srv      *Server
	ctx      context.Context
	inflight atomic.Int64
}

// NewSession returns a Session whose handlers receive ctx, which the
// transport should cancel when the connection closes. Safe for concurrent
// use.
func (s *Server) NewSession(ctx context.Context) *Session {
	return &Session{srv: s, ctx: ctx}
}

// InFlight returns the number of blocking calls dispatched on this session
// whose replies have not been delivered yet. Safe from any goroutine.
func (c *Session) InFlight() int { return int(c.inflight.Load()) }

// Saturated reports whether InFlight has reached WithMaxInFlight. A
// transport should stop reading from the connection while it is true and
// re-check after each reply callback; calls dispatched while saturated are
// answered with CodeServerBusy. Safe from any goroutine.
func (c *Session) Saturated() bool { return c.InFlight() >= c.srv.opts.MaxInFlight }

type workerPool struct {
	size    int
	queue   chan *task
	mu      sync.RWMutex
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// submit queues t without blocking.
func (p *workerPool) submit(t *task, run func(*task)) *Error {
	p.mu.RLock()
	if !p.started && !p.closed {
		p.mu.RUnlock()
		p.start(run)
		p.mu.RLock()
	}
	defer p.mu.RUnlock()
	if p.closed {
		return errClosed
	}
	select {
	case p.queue <- t:
		return nil
	default:
		return errQueueFull
	}
}

func (p *workerPool) start(run func(*task)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	p.wg.Add(p.size)
	for range p.size {
		go func() {
			defer p.wg.Done()
			for t := range p.queue {
				run(t)
			}
		}()
	}
}

func (p *workerPool) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
