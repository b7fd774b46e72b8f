package tcp

import (
	"log/slog"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// Option configures a Server or a Client. Options that make no sense for
// one of them are ignored there (a Client has no acceptor, so ReusePort
// does nothing).
type Option func(*options)

type options struct {
	name      string
	loops     int
	reusePort bool
	ipv6Only  bool
	backlog   int
	balance   reactor.Balance
	logger    *slog.Logger
	highWater int
	noDelay   bool
	loopInit  func(*reactor.EventLoop)
	baseLoop  *reactor.EventLoop
	retry     bool
	reconnect bool
	// pauseOnEMFILE: out of fds, pause accepting instead of shedding
	// pending connections (see acceptor.overloaded). Tests only.
	pauseOnEMFILE bool
	tls           tlsOptions // tls.go
}

func defaultOptions() options {
	return options{
		name:      "tcp",
		logger:    slog.Default(),
		highWater: DefaultHighWaterMark,
		noDelay:   true,
	}
}

// WithName names the server or client; it prefixes connection names.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithLoops sets the number of IO loops. 0 (the default) makes the
// accepting loop do the IO as well, as in muduo: the fastest setup on one
// core. Use runtime.NumCPU() to spread connections over every core.
func WithLoops(n int) Option { return func(o *options) { o.loops = n } }

// WithReusePort sets SO_REUSEPORT on the listener, so that several
// processes can listen on one port and the kernel spreads connections
// between them (the basis of zero-downtime restarts).
func WithReusePort(on bool) Option { return func(o *options) { o.reusePort = on } }

// WithIPv6Only makes a "[::]" listener take IPv6 connections only.
func WithIPv6Only(on bool) Option { return func(o *options) { o.ipv6Only = on } }

// WithBacklog sets the listen backlog (default SOMAXCONN).
func WithBacklog(n int) Option { return func(o *options) { o.backlog = n } }

// WithBalance chooses how new connections are spread over the IO loops.
func WithBalance(b reactor.Balance) Option { return func(o *options) { o.balance = b } }

// WithLogger sets the logger for the server, its loops and connections.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithHighWaterMark sets the output queue size, in bytes, past which the
// HighWaterMark callback is called (default DefaultHighWaterMark).
func WithHighWaterMark(n int) Option { return func(o *options) { o.highWater = n } }

// WithNoDelay sets TCP_NODELAY on every connection (default on: a
// request/response protocol must not wait for Nagle's algorithm).
func WithNoDelay(on bool) Option { return func(o *options) { o.noDelay = on } }

// WithLoopInit calls f on every IO loop, on that loop, before it serves any
// connection: the place for per-loop state such as caches or timers.
func WithLoopInit(f func(*reactor.EventLoop)) Option { return func(o *options) { o.loopInit = f } }

// WithBaseLoop runs the acceptor (or connector) on an existing, running
// loop owned by the caller, instead of a loop of its own.
func WithBaseLoop(l *reactor.EventLoop) Option { return func(o *options) { o.baseLoop = l } }

// WithRetry makes a Client retry a failed connect (refused, unreachable)
// with backoff instead of reporting it and stopping, and reconnect after
// its connection drops. See WithReconnect for retrying only after a first
// connection.
func WithRetry(on bool) Option { return func(o *options) { o.retry = on } }

// WithReconnect makes a Client reconnect, with WithRetry's backoff, once it
// has been connected: the first connect that fails is reported to the
// ConnectErrorCallback and not retried (a wrong address or a server that
// is down fails fast), but after a first connection every drop and every
// failed reconnect is retried until Disconnect or Stop.
func WithReconnect(on bool) Option { return func(o *options) { o.reconnect = on } }
