package tcp

import (
	"errors"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"log/slog"
	stdnet "net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Retry timing, as muduo: the first retry after half a second, doubling up
// to thirty seconds.
const (
	InitialRetryDelay = 500 * time.Millisecond
	MaxRetryDelay     = 30 * time.Second
)

// connector is muduo's Connector, the client-side twin of the acceptor: it
// makes one connected, non-blocking fd and hands it over, retrying with
// exponential backoff while the peer is not there. Start and Stop are safe
// from any goroutine; the rest runs on its loop.
type connector struct {
	loop    *reactor.EventLoop
	addr    netip.AddrPort
	logger  *slog.Logger
	onConn  func(fd int)
	onFatal func(error)

	// shouldRetry, if set, says whether a failed attempt (refused,
	// unreachable, ...) is tried again; without it the connector gives up
	// and reports the error to onFatal. nil: always retry.
	shouldRetry func() bool
	// onAttemptFailed, if set, hears of every failed attempt that will be
	// retried (onFatal hears of the last one).
	onAttemptFailed func(error)

	want  atomic.Bool // the user wants a connection
	state int         // connectorDisconnected/Connecting/Connected (loop only)
	fd    int
	ch    reactor.Channel
	delay time.Duration
	timer reactor.TimerID

	// Attempts counts connect attempts (for tests and stats).
	Attempts atomic.Int64

	// Test hooks (nil outside tests; set before Start, run on the loop):
	// beforeConnect gets each attempt's socket before connect (a test
	// binds it to provoke a self-connect); onWritable gets it when the
	// connect reports done, before its outcome is read (a test has the
	// peer reset it).
	beforeConnect, onWritable func(fd int)
}

const (
	connectorDisconnected = iota
	connectorConnecting
	connectorConnected
)

// newConnector creates a connector to addr that calls onConn, on loop, with
// each connected fd (the callee owns it), and onFatal, if not nil, when an
// error makes retrying pointless (permission denied, bad address family).
// A connector made here retries refused and unreachable connects for ever;
// errors given to onFatal are *net.OpError values as net.Dial returns
// ("dial tcp 127.0.0.1:9: connect: connection refused"), wrapping the
// errno.
func newConnector(loop *reactor.EventLoop, addr netip.AddrPort, logger *slog.Logger, onConn func(fd int), onFatal func(error)) *connector {
	return &connector{loop: loop, addr: addr, logger: logger, onConn: onConn, onFatal: onFatal, fd: -1, delay: InitialRetryDelay}
}

// Start begins connecting. Safe from any goroutine.
func (k *connector) Start() {
	k.want.Store(true)
	k.loop.RunInLoop(k.startInLoop)
}

// Restart connects again after a connection made earlier was lost, with the
// backoff reset. Loop only.
func (k *connector) Restart() {
	k.reset()
	k.want.Store(true)
	k.startInLoop()
}

// restartAfterBackoff connects again after a connection that was lost
// soon after it was made: that counts as a failed attempt, so the connect
// waits the current delay, which then doubles, instead of reconnecting at
// once to a server that accepts and closes (or an overloaded one) in a
// tight loop. Loop only.
func (k *connector) restartAfterBackoff() {
	if k.state == connectorConnected {
		k.state = connectorDisconnected
	}
	k.want.Store(true)
	k.scheduleRetry()
}

// reset forgets a connection made earlier (its owner reports it closed), so
// that the next Start connects again, with the backoff reset. Loop only.
func (k *connector) reset() {
	if k.state == connectorConnected {
		k.state = connectorDisconnected
	}
	k.delay = InitialRetryDelay
}

// Stop stops connecting and cancels a pending retry. Safe from any
// goroutine.
func (k *connector) Stop() {
	k.want.Store(false)
	k.loop.RunInLoop(func() {
		k.loop.Cancel(k.timer)
		if k.state == connectorConnecting {
			k.state = connectorDisconnected
			k.abandonFd()
		}
	})
}

func (k *connector) startInLoop() {
	if !k.want.Load() || k.state != connectorDisconnected {
		return
	}
	k.connect()
}

func (k *connector) connect() {
	k.Attempts.Add(1)
	fd, err := socket.Socket(k.addr)
	if err != nil {
		k.fatal(err)
		return
	}
	k.fd = fd
	// A refused connect reports EPOLLERR|EPOLLHUP without EPOLLIN, which
	// the channel delivers as a close: it must be handled like the error,
	// or the level-triggered HUP spins the loop and the attempt is never
	// retried. The channel is bound before connect so that abandonFd can
	// Remove it when connect fails at once (a zero Channel has no loop).
	k.ch.Init(k.loop, fd, &reactor.HandlerFuncs{Write: k.handleWrite, Close: k.handleError, Error: k.handleError})
	if k.beforeConnect != nil {
		k.beforeConnect(fd)
	}
	err = socket.Connect(fd, k.addr)
	switch {
	case err == nil, errors.Is(err, syscall.EINPROGRESS), errors.Is(err, syscall.EINTR), errors.Is(err, syscall.EISCONN):
		k.state = connectorConnecting
		if err := k.ch.EnableWriting(); err != nil {
			k.abandonFd()
			k.fatal(err)
		}
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EADDRINUSE), errors.Is(err, syscall.EADDRNOTAVAIL),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ETIMEDOUT):
		k.retry(err)
	default:
		// EACCES, EPERM, EAFNOSUPPORT, EALREADY, EBADF, EFAULT, ENOTSOCK:
		// trying again would fail the same way.
		socket.Close(fd)
		k.fd = -1
		k.fatal(err)
	}
}

// handleWrite: the connect finished, one way or the other.
func (k *connector) handleWrite() {
	if k.state != connectorConnecting {
		return
	}
	fd := k.fd
	if k.onWritable != nil {
		k.onWritable(fd)
	}
	_ = k.ch.Remove()
	if err := socket.SocketError(fd); err != nil {
		k.retry(err)
		return
	}
	if socket.IsSelfConnect(fd) {
		k.retry(errors.New("self connect"))
		return
	}
	k.fd = -1
	if !k.want.Load() { // stopped meanwhile: nothing was handed over
		k.state = connectorDisconnected
		socket.Close(fd)
		return
	}
	k.state = connectorConnected
	k.onConn(fd)
}

func (k *connector) handleError() {
	if k.state != connectorConnecting {
		return
	}
	err := socket.SocketError(k.fd)
	_ = k.ch.Remove()
	if err == nil {
		err = errors.New("socket error")
	}
	k.retry(err)
}

// retry closes the failed attempt and tries again after the current delay,
// which then doubles up to MaxRetryDelay; a connector told not to retry
// gives up instead and reports cause.
func (k *connector) retry(cause error) {
	k.abandonFd()
	k.state = connectorDisconnected
	if !k.want.Load() {
		return
	}
	if k.shouldRetry != nil && !k.shouldRetry() {
		k.fatal(cause)
		return
	}
	err := k.dialError(cause)
	if k.onAttemptFailed != nil {
		k.onAttemptFailed(err)
	} else {
		k.logger.Info("tcp: connect failed; retrying", "addr", k.addr, "in", k.delay, "err", err)
	}
	k.scheduleRetry()
}

// dialError wraps a connect failure as net.Dial reports one: the operation,
// the address and the system call, with the errno at the bottom
// (errors.Is(err, syscall.ECONNREFUSED)).
func (k *connector) dialError(cause error) error {
	var op *stdnet.OpError
	if errors.As(cause, &op) {
		return cause
	}
	if errno, ok := cause.(syscall.Errno); ok {
		cause = os.NewSyscallError("connect", errno)
	}
	return &stdnet.OpError{Op: "dial", Net: "tcp", Addr: stdnet.TCPAddrFromAddrPort(k.addr), Err: cause}
}

// scheduleRetry connects again after the current delay, which then
// doubles up to MaxRetryDelay. Loop only.
func (k *connector) scheduleRetry() {
	k.timer = k.loop.RunAfter(k.delay, k.startInLoop)
	if k.delay *= 2; k.delay > MaxRetryDelay {
		k.delay = MaxRetryDelay
	}
}

func (k *connector) abandonFd() {
	if k.fd < 0 {
		return
	}
	_ = k.ch.Remove()
	socket.Close(k.fd)
	k.fd = -1
}

func (k *connector) fatal(err error) {
	k.state = connectorDisconnected
	k.want.Store(false)
	err = k.dialError(err)
	if k.onFatal != nil {
		k.onFatal(err)
	} else {
		k.logger.Warn("tcp: connect failed", "addr", k.addr, "err", err)
	}
}
