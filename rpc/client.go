package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Client errors.
var (
	// ErrClientClosed: the client was closed.
	ErrClientClosed = errors.New("rpc: client closed")
	// ErrNotConnected: Go was called while no connection is up.
	ErrNotConnected = errors.New("rpc: not connected")
	// ErrConnectionLost: the connection dropped before the reply came.
	ErrConnectionLost = errors.New("rpc: connection lost before the reply")
	// ErrInvalidResponse: the server's reply to the call is not a JSON-RPC
	// response (neither result nor error).
	ErrInvalidResponse = errors.New("rpc: invalid response")
)

// Call is one request in flight, as in net/rpc.
type Call struct {
	Method string
	Params any
	Reply  any        // decoded into from the result; may be nil
	Error  error      // after completion: nil, an *Error from the server, or a transport error
	Done   chan *Call // receives the Call when it completes

	id    uint64
	state atomic.Int32 // callWaiting, callTaken (being completed) or callDropped
}

// A call's state: who finishes it. Whoever moves it out of callWaiting
// owns Reply and Error: the loop to complete it, or a Call/Batch whose
// context ended, which then returns without the reply being written under
// its feet.
const (
	callWaiting int32 = iota
	callTaken
	callDropped
)

// claim lets the loop complete the call unless its waiter gave up on it.
func (c *Call) claim() bool { return c.state.CompareAndSwap(callWaiting, callTaken) }

// finish completes the call with err unless its waiter gave up on it.
func (c *Call) finish(err error) {
	if c.claim() {
		c.Error = err
		c.complete()
	}
}

func (c *Call) complete() {
	select {
	case c.Done <- c:
	default: // net/rpc's rule: a full channel is the caller's mistake; don't block the loop
	}
}

// Client is a JSON-RPC 2.0 client over the TCP stream transport, on a
// tcp.Client: many calls in flight on one connection, matched by id, with
// reconnection through the Connector's retry and backoff. Every method is
// safe from any goroutine.
type Client struct {
	tc     *tcp.Client
	json   jsoniter.API // params and results: encoding/json's rules
	env    jsoniter.API // reply envelopes: member names exact (envelopeJSON)
	codec  *StreamCodec // loop only
	logger *slog.Logger

	mu      sync.Mutex
	conn    *tcp.Conn
	up      chan struct{} // closed while connected; replaced when it drops
	pending map[uint64]*Call
	batches [][]*Call // batches in flight, oldest first (see failOldestBatch)
	nextID  uint64
	closed  bool
	stop    chan struct{} // closed by Close: wakes callers waiting for a connection
	retry   bool          // WithReconnect
	gone    bool          // the connection dropped and will not be re-made (no retry)
	everUp  bool          // a connection was made: later connect errors are reconnects
	dialErr error         // the first connect failed: why (Dial returns it)
}

// ClientOption configures a Client.
type ClientOption func(*clientOptions)

type clientOptions struct {
	retry       bool
	dialTimeout time.Duration
	logger      *slog.Logger
	tcpOpts     []tcp.Option
}

// DefaultDialTimeout bounds Dial when its context has no deadline: a
// server that neither accepts nor refuses (a host that drops SYNs, a full
// backlog) makes Dial fail after this long instead of waiting for ever.
const DefaultDialTimeout = 30 * time.Second

// WithDialTimeout sets how long Dial waits for the connection when its
// context has no deadline (default DefaultDialTimeout; a context's
// deadline, when it has one, wins).
func WithDialTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) { o.dialTimeout = d }
}

// WithReconnect makes the client reconnect (with backoff) whenever the
// connection drops; calls in flight at that moment fail with
// ErrConnectionLost. Default on. Without it, once the connection has
// dropped every call fails at once with ErrConnectionLost.
func WithReconnect(on bool) ClientOption { return func(o *clientOptions) { o.retry = on } }

// WithClientLogger sets the client's logger.
func WithClientLogger(l *slog.Logger) ClientOption { return func(o *clientOptions) { o.logger = l } }

// WithClientTCPOptions passes options to the tcp.Client (e.g. WithBaseLoop
// to share a loop among many clients).
func WithClientTCPOptions(opts ...tcp.Option) ClientOption {
	return func(o *clientOptions) { o.tcpOpts = append(o.tcpOpts, opts...) }
}

// Dial connects to addr ("host:port"; host names and service names are
// looked up) and returns a client once the connection is up. It fails at
// once when the connect fails: a refused connect returns an error that
// names the address and wraps syscall.ECONNREFUSED, as net.Dial's does
// ("rpc: dial tcp 127.0.0.1:9090: connect: connection refused"). It waits
// at most until ctx is done or, when ctx has no deadline, for
// DefaultDialTimeout (see WithDialTimeout). Once connected, a client made
// with WithReconnect (the default) re-makes a dropped connection with
// retry and backoff.
func Dial(ctx context.Context, addr string, opts ...ClientOption) (*Client, error) {
	o := clientOptions{retry: true, logger: slog.Default(), dialTimeout: DefaultDialTimeout}
	for _, f := range opts {
		f(&o)
	}
	// The first connect is not retried (its failure is Dial's answer);
	// with tcp.WithReconnect retries start once a connection was made.
	tc, err := tcp.NewClient(addr, append([]tcp.Option{tcp.WithName("rpc-client"), tcp.WithLogger(o.logger), tcp.WithRetry(false), tcp.WithReconnect(o.retry)}, o.tcpOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("rpc: dial: %w", err)
	}
	c := &Client{
		tc:      tc,
		json:    jsoniter.Config{EscapeHTML: false, UseNumber: true}.Froze(),
		env:     envelopeJSON(),
		codec:   NewStreamCodec(Limits{}),
		logger:  o.logger,
		up:      make(chan struct{}),
		stop:    make(chan struct{}),
		retry:   o.retry,
		pending: make(map[uint64]*Call),
	}
	tc.SetCallbacks(tcp.Callbacks{Connection: c.onConnection, Message: c.onMessage})
	tc.SetConnectErrorCallback(c.onConnectError)
	if _, ok := ctx.Deadline(); !ok && o.dialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.dialTimeout)
		defer cancel()
	}
	tc.Connect()
	if err := c.waitUp(ctx); err != nil {
		c.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("rpc: dial %s: not connected in time: %w", addr, err)
		}
		if c.dialFailed() {
			return nil, fmt.Errorf("rpc: %w", err)
		}
		return nil, fmt.Errorf("rpc: dial %s: %w", addr, err)
	}
	return c, nil
}

// onConnectError hears of every failed connect, on the loop. Before the
// first connection it is Dial's answer; after, a reconnect that failed
// and will be retried.
func (c *Client) onConnectError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.everUp {
		c.logger.Info("rpc: reconnect failed; retrying", "err", err)
		return
	}
	if c.dialErr == nil {
		c.dialErr = err
		close(c.up) // wake Dial: it sees dialErr
	}
}

func (c *Client) dialFailed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dialErr != nil
}

// Loop returns the client's event loop.
func (c *Client) Loop() *reactor.EventLoop { return c.tc.Loop() }

func (c *Client) waitUp(ctx context.Context) error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return ErrClientClosed
		}
		if c.conn != nil {
			c.mu.Unlock()
			return nil
		}
		if c.dialErr != nil {
			err := c.dialErr
			c.mu.Unlock()
			return err // the first connect failed: nothing will come
		}
		if c.gone {
			c.mu.Unlock()
			return ErrConnectionLost // WithReconnect(false): nothing will come
		}
		up := c.up
		c.mu.Unlock()
		select {
		case <-up:
		case <-c.stop:
			return ErrClientClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *Client) onConnection(conn *tcp.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if conn.Connected() {
		c.everUp = true
		c.conn = conn
		c.codec.Reset()
		select {
		case <-c.up: // closed when the last connection was given up on
			c.up = make(chan struct{})
		default:
		}
		c.gone = false
		close(c.up)
		return
	}
	if c.conn == conn {
		c.conn = nil
		c.up = make(chan struct{})
		if !c.retry {
			c.gone = true
			close(c.up) // wake the callers waiting for it: they see gone
		}
	}
	lost := ErrConnectionLost
	if c.closed {
		lost = ErrClientClosed // Close stopped the connection
	}
	for id, call := range c.pending {
		delete(c.pending, id)
		call.finish(lost)
	}
}

// Go sends a call and returns at once; the Call is sent on done (which
// must be buffered; nil makes one) when the reply arrives. Without a
// connection the call completes at once with ErrNotConnected.
func (c *Client) Go(method string, params, reply any, done chan *Call) *Call {
	if done == nil {
		done = make(chan *Call, 1)
	} else if cap(done) == 0 {
		// As net/rpc: a completion sent to an unbuffered channel nobody
		// is receiving on would be lost, and the caller would hang.
		panic("rpc: done channel is unbuffered")
	}
	call := &Call{Method: method, Params: params, Reply: reply, Done: done}
	c.send(call, false)
	return call
}

// Call sends a call and waits for its reply, decoding the result into
// reply. It waits for a connection first (up to ctx). A server error is
// returned as an *Error.
func (c *Client) Call(ctx context.Context, method string, params, reply any) error {
	if err := c.waitUp(ctx); err != nil {
		return err
	}
	call := c.Go(method, params, reply, make(chan *Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		if !call.state.CompareAndSwap(callWaiting, callDropped) {
			// The reply is being decoded into reply right now: wait for
			// it rather than return while it is written.
			<-call.Done
			return call.Error
		}
		c.mu.Lock()
		delete(c.pending, call.id)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Notify sends a notification (no id, no reply).
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	if err := c.waitUp(ctx); err != nil {
		return err
	}
	call := &Call{Method: method, Params: params}
	return c.send(call, true)
}

// send encodes and writes one request (or notification).
func (c *Client) send(call *Call, notify bool) error {
	msg, err := c.encode(nil, call, notify)
	if err != nil {
		call.finish(err)
		return err
	}
	c.mu.Lock()
	if c.closed || c.conn == nil {
		err := ErrNotConnected
		if c.closed {
			err = ErrClientClosed
		}
		c.mu.Unlock()
		call.finish(err)
		return err
	}
	conn := c.conn
	if !notify {
		c.nextID++
		call.id = c.nextID
		msg = c.patchID(msg, call.id)
		c.pending[call.id] = call
	}
	// Sent under the lock so ids reach the wire in the order they were
	// given, and a reply can not race the pending-map entry.
	err = conn.Send(msg)
	c.mu.Unlock()
	if err != nil {
		c.mu.Lock()
		delete(c.pending, call.id)
		c.mu.Unlock()
		call.finish(ErrConnectionLost)
		return ErrConnectionLost
	}
	return nil
}

// encode builds `{"jsonrpc":"2.0","method":M,"params":P,"id":` and leaves
// the id and the closing to patchID (the id is known only under the lock).
func (c *Client) encode(dst []byte, call *Call, notify bool) ([]byte, error) {
	m, err := c.json.Marshal(call.Method)
	if err != nil {
		return nil, err
	}
	dst = append(dst, `{"jsonrpc":"2.0","method":`...)
	dst = append(dst, m...)
	if call.Params != nil {
		p, err := c.json.Marshal(call.Params)
		if err != nil {
			return nil, fmt.Errorf("rpc: encode params: %w", err)
		}
		dst = append(dst, `,"params":`...)
		dst = append(dst, p...)
	}
	if notify {
		return append(dst, "}\n"...), nil
	}
	return append(dst, `,"id":`...), nil
}

func (c *Client) patchID(msg []byte, id uint64) []byte {
	msg = strconv.AppendUint(msg, id, 10)
	return append(msg, "}\n"...)
}

// Close fails the calls in flight, stops reconnecting and closes the
// connection. Not from the client's own loop.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.stop)
	c.mu.Unlock()
	c.tc.Stop()
	c.mu.Lock()
	for id, call := range c.pending {
		delete(c.pending, id)
		call.finish(ErrClientClosed)
	}
	c.mu.Unlock()
	return nil
}
