package http

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	name            string
	loops           int
	reusePort       bool
	logger          *slog.Logger
	limits          Limits
	headerTimeout   time.Duration
	bodyTimeout     time.Duration
	idleTimeout     time.Duration
	lingerTimeout   time.Duration
	drainIdleGrace  time.Duration
	maxPipeline     int
	maxQueuedOutput int
	serverName      string
	workers         int
	workerQueue     int
	tcpOptions      []tcp.Option
	tlsConfig       *tls.Config           // WithTLSConfig, StartTLS (tls.go)
	responseHooks   []func(*ResponseInfo) // WithResponseHook (finish.go)
	middleware      []Middleware
}

// Defaults for the timeouts and bounds a Server applies.
const (
	DefaultHeaderTimeout   = 10 * time.Second
	DefaultBodyTimeout     = 30 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	DefaultLingerTimeout   = 2 * time.Second
	DefaultMaxPipeline     = 64
	DefaultMaxQueuedOutput = 4 << 20
)

func defaultOptions() options {
	return options{
		name:            "http",
		logger:          slog.Default(),
		headerTimeout:   DefaultHeaderTimeout,
		bodyTimeout:     DefaultBodyTimeout,
		idleTimeout:     DefaultIdleTimeout,
		lingerTimeout:   DefaultLingerTimeout,
		maxPipeline:     DefaultMaxPipeline,
		maxQueuedOutput: DefaultMaxQueuedOutput,
		serverName:      "muduo-go",
	}
}

// WithName names the server (in logs and connection names).
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithLoops sets the number of IO loops (0: the accepting loop serves
// everything, the fastest setup on one core).
func WithLoops(n int) Option { return func(o *options) { o.loops = n } }

// WithReusePort sets SO_REUSEPORT so several processes can share the port.
func WithReusePort(on bool) Option { return func(o *options) { o.reusePort = on } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithLimits sets the request size limits (zero fields keep the defaults:
// target 16 KiB, head 64 KiB, body 8 MiB).
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithHeaderTimeout bounds how long a client may take to send a request
// head, from its first byte (or from connecting); then 408 and a close.
// 0 disables it. Default 10 s.
func WithHeaderTimeout(d time.Duration) Option { return func(o *options) { o.headerTimeout = d } }

// WithBodyTimeout bounds how long a client may take to send a request body
// once the head is in. 0 disables it. Default 30 s.
func WithBodyTimeout(d time.Duration) Option { return func(o *options) { o.bodyTimeout = d } }

// WithIdleTimeout closes a keep-alive connection that sent no request for
// d. 0 disables it. Default 60 s.
func WithIdleTimeout(d time.Duration) Option { return func(o *options) { o.idleTimeout = d } }

// WithLingerTimeout bounds how long a connection that has sent its final
// response waits for the client to close before it is closed by force,
// counted from when the last byte of that response has been handed to the
// kernel (see tcp.Conn.ShutdownThenClose). Default 2 s.
func WithLingerTimeout(d time.Duration) Option { return func(o *options) { o.lingerTimeout = d } }

// WithDrainIdleGrace makes Shutdown keep idle keep-alive connections open
// for up to d instead of closing them at once: a request that arrives
// meanwhile is answered with "Connection: close" (closing an idle
// connection races with a request the client is sending on it, which then
// fails). Connections still idle after d are closed. Default 0: idle
// connections are closed as soon as Shutdown starts.
func WithDrainIdleGrace(d time.Duration) Option { return func(o *options) { o.drainIdleGrace = d } }

// WithMaxPipeline caps how many responses of one connection may be in the
// making at once (detached, on the worker pool, or finished but waiting
// in order behind one of those); past it the connection
// stops reading until one finishes, so a pipelining client can not grow
// the server's memory without bound. Default 64.
func WithMaxPipeline(n int) Option { return func(o *options) { o.maxPipeline = max(n, 1) } }

// WithMaxQueuedOutput stops reading requests from a connection whose unsent
// output exceeds n bytes (a client that does not read its responses), until
// the output drains. Default 4 MiB.
func WithMaxQueuedOutput(n int) Option { return func(o *options) { o.maxQueuedOutput = n } }

// WithServerName sets the Server header ("" omits it). Default "muduo-go".
func WithServerName(name string) Option { return func(o *options) { o.serverName = name } }

// WithWorkers runs every handler on a pool of n goroutines instead of on
// the loop, for handlers that block. queue bounds the requests waiting for
// a worker (0: 16 per worker); when it is full the request gets 503.
// Requests are cloned for the worker, which costs allocations the loop path
// does not have.
func WithWorkers(n, queue int) Option {
	return func(o *options) { o.workers, o.workerQueue = n, queue }
}

// WithTCPOptions passes options to the underlying tcp.Server.
func WithTCPOptions(opts ...tcp.Option) Option {
	return func(o *options) { o.tcpOptions = append(o.tcpOptions, opts...) }
}
