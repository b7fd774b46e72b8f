package tcp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	mnet "github.com/seed08ffa9f8/muduo-go/net"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// StableConnection is how long a client's connection must have lasted for
// its loss to reset the reconnect backoff (and reconnect at once, as
// muduo). A connection lost sooner counts as a failed attempt: the next one
// waits the current retry delay, which then doubles.
const StableConnection = time.Second

// Client is muduo's TcpClient: one connection to one server, made by a
// Connector, optionally re-made when it drops. Its connection is a Conn
// exactly like a server's.
//
// A connect that fails (refused, unreachable, ...) is reported at once to
// the ConnectErrorCallback, with an error that names the address and wraps
// the errno, as net.Dial's does: errors.Is(err, syscall.ECONNREFUSED)
// holds for a refused one. Without retry the client then stops trying
// (Connect tries again); with retry (WithRetry) it tries
// again after a backoff of InitialRetryDelay doubling to MaxRetryDelay,
// and reports every failed attempt the same way. WithReconnect asks for
// retries only once a first connection has been made: a wrong address is
// reported at once, a dropped connection is made again.
type Client struct {
	opts      options
	loop      *reactor.EventLoop
	ownLoop   bool
	connector *connector
	cfg       connConfig
	onFailed  ConnectErrorCallback // set before Connect; called on the loop

	mu      sync.Mutex
	conn    *Conn
	upSince time.Time // when conn was made (loop only)
	retry   atomic.Bool
	connect atomic.Bool
	stopped atomic.Bool
	nextID  atomic.Uint64

	// life orders Connect against Stop: a Connect that saw the client
	// not stopped has started the loop and the connector before Stop
	// looks at them, so Stop always undoes all of it.
	life        sync.Mutex
	loopStarted bool
}

// NewClient prepares a client for addr ("host:port"; a host name is looked
// up now). Without WithBaseLoop the client runs a loop of its own, started
// by Connect and stopped by Stop.
func NewClient(addr string, opts ...Option) (*Client, error) {
	o := defaultOptions()
	o.name = "client"
	for _, f := range opts {
		f(&o)
	}
	ap, err := mnet.Resolve(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: client address: %w", err)
	}
	c := &Client{opts: o, loop: o.baseLoop}
	if c.loop == nil {
		l, err := reactor.New(reactor.WithName(o.name), reactor.WithLogger(o.logger))
		if err != nil {
			return nil, err
		}
		c.loop, c.ownLoop = l, true
	}
	c.cfg = connConfig{highWater: o.highWater, name: o.name + "-" + ap.String(), onClosed: c.connClosed}
	if c.cfg.tls = newTLSOwner(&o.tls, addr, true); c.cfg.tls != nil {
		c.cfg.tls.clientFailed = c.connectFailed
	}
	c.connector = newConnector(c.loop, ap, o.logger, c.newConnection, c.connectFailed)
	c.connector.shouldRetry = c.retry.Load
	c.connector.onAttemptFailed = c.connectFailed
	c.retry.Store(o.retry)
	return c, nil
}

// ConnectErrorCallback is called on the client's loop when a connect
// attempt fails; err is a *net.OpError naming the address and wrapping the
// cause ("dial tcp 127.0.0.1:9: connect: connection refused").
type ConnectErrorCallback func(err error)

// SetConnectErrorCallback sets the callback for failed connect attempts
// (see Client); without one they are logged as warnings. Call before
// Connect.
func (c *Client) SetConnectErrorCallback(f ConnectErrorCallback) { c.onFailed = f }

// connectFailed reports a failed attempt to the callback, or else to the
// log (so that a failure is never silent).
func (c *Client) connectFailed(err error) {
	if c.onFailed != nil {
		c.onFailed(err)
		return
	}
	c.opts.logger.Warn("tcp: connect failed", "client", c.opts.name, "retrying", c.retry.Load(), "err", err)
}

// SetCallbacks sets every callback at once. Call before Connect.
func (c *Client) SetCallbacks(cb Callbacks) { c.cfg.cb = cb }

// SetConnectionCallback sets the connection up/down callback. Before Connect.
func (c *Client) SetConnectionCallback(f ConnectionCallback) { c.cfg.cb.Connection = f }

// SetMessageCallback sets the message callback. Before Connect.
func (c *Client) SetMessageCallback(f MessageCallback) { c.cfg.cb.Message = f }

// SetWriteCompleteCallback sets the write-complete callback. Before Connect.
func (c *Client) SetWriteCompleteCallback(f WriteCompleteCallback) { c.cfg.cb.WriteComplete = f }

// SetHighWaterMarkCallback sets the high-water-mark callback. Before Connect.
func (c *Client) SetHighWaterMarkCallback(f HighWaterMarkCallback) { c.cfg.cb.HighWaterMark = f }

// Loop returns the client's loop.
func (c *Client) Loop() *reactor.EventLoop { return c.loop }

// Connect starts connecting. A failed attempt is reported to the
// ConnectErrorCallback; with retry the client tries again after a backoff,
// without it Connect may be called again. Safe from any goroutine.
func (c *Client) Connect() {
	c.life.Lock()
	defer c.life.Unlock()
	if c.stopped.Load() {
		return
	}
	if c.ownLoop && !c.loopStarted {
		c.loopStarted = true
		c.loop.Start()
	}
	c.connect.Store(true)
	c.connector.Start()
}

// Connection returns the current connection, or nil. Safe from any
// goroutine; the Conn may close at any moment after (see Conn).
func (c *Client) Connection() *Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// Disconnect half-closes the connection once its output drains, stops a
// connect in progress, and stops reconnecting. Safe from any goroutine.
func (c *Client) Disconnect() {
	c.connect.Store(false)
	c.connector.Stop()
	if conn := c.Connection(); conn != nil {
		conn.Shutdown()
	}
}

// Stop stops connecting and retrying, closes the connection now and, for a
// client with its own loop, stops the loop. Safe from any goroutine other
// than the client's loop.
func (c *Client) Stop() {
	c.life.Lock()
	if !c.stopped.CompareAndSwap(false, true) {
		c.life.Unlock()
		return
	}
	started := c.loopStarted
	c.life.Unlock()
	c.connect.Store(false)
	c.connector.Stop()
	switch {
	case c.ownLoop && !started:
		c.loop.Close() // never started: free its epoll fd and eventfd
		return
	case !c.ownLoop && !c.loop.Running():
		return // a base loop not running: the connector's stop waits for it
	}
	// The connector's stop is queued first, so it runs before this: an
	// attempt in progress is abandoned (its fd closed), then the
	// connection closes.
	runAndWait(c.loop, func() {
		if conn := c.Connection(); conn != nil {
			conn.handleClose()
		}
	})
	if c.ownLoop {
		c.loop.Quit()
		<-c.loop.Done()
	}
}

func (c *Client) newConnection(fd int) {
	local, _ := socket.LocalAddr(fd)
	peer, _ := socket.PeerAddr(fd)
	if c.opts.noDelay {
		_ = socket.SetNoDelay(fd, true)
	}
	conn := newConn(c.loop, &c.cfg, fd, c.nextID.Add(1), local, peer)
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	c.upSince = time.Now()
	if c.opts.reconnect {
		// From now on a drop or a failed connect is a reconnect: retried.
		// Set here, on the loop, before the connection can drop.
		c.retry.Store(true)
	}
	conn.connectEstablished()
}

// connClosed runs on the loop after the connection's down callback.
func (c *Client) connClosed(conn *Conn) {
	c.mu.Lock()
	if c.conn == conn {
		c.conn = nil
	}
	c.mu.Unlock()
	if c.retry.Load() && c.connect.Load() && !c.stopped.Load() {
		if time.Since(c.upSince) < StableConnection {
			c.connector.restartAfterBackoff()
		} else {
			c.connector.Restart()
		}
		return
	}
	// The connector still says "connected" (it handed over this fd): reset
	// it, or a later Connect would be ignored.
	c.connector.reset()
}
