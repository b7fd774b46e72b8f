package rpc

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// TCPServer is the TCP stream transport: a tcp.Server whose message
// callback frames JSON texts with a Codec and hands them to a Server, as
// muduo's RpcServer sits on TcpServer. Replies of inline methods are
// written in one batch per read; replies from the worker pool are sent
// from the worker (Conn.Send is safe from any goroutine) and need no
// ordering, since JSON-RPC matches them by id.
//
// Protocol errors (invalid requests, unknown methods, bad params) are
// answered and the connection stays open. Only input that leaves the
// stream unrecoverable - a byte that can not start a JSON text, a text over
// the size or depth limit - is answered with a -32700/-32600 error and
// then the connection is closed.
type TCPServer struct {
	srv      *Server
	tcp      *tcp.Server
	newCodec func(Limits) Codec
	linger   time.Duration

	mu     sync.Mutex
	states map[*reactor.EventLoop]*tcpLoopState
}

// TCPOption configures a TCPServer.
type TCPOption func(*tcpOptions)

type tcpOptions struct {
	newCodec func(Limits) Codec
	tcpOpts  []tcp.Option
}

// WithHeaderFraming frames messages LSP-style ("Content-Length: N\r\n\r\n"
// before each JSON text) instead of as a stream of JSON texts.
func WithHeaderFraming() TCPOption {
	return func(o *tcpOptions) { o.newCodec = func(l Limits) Codec { return NewHeaderCodec(l) } }
}

// WithTCPOptions passes options to the underlying tcp.Server (loops,
// ReusePort, logger...).
func WithTCPOptions(opts ...tcp.Option) TCPOption {
	return func(o *tcpOptions) { o.tcpOpts = append(o.tcpOpts, opts...) }
}

type tcpLoopState struct {
	out []byte // inline replies of the current message callback
}

// NewTCPServer prepares a TCP transport for srv; nothing listens until
// Start or ListenAndServe. The shape is http.NewServer's and
// tcp.NewServer's: construct with options, then Start(addr).
func NewTCPServer(srv *Server, opts ...TCPOption) *TCPServer {
	o := tcpOptions{newCodec: func(l Limits) Codec { return NewStreamCodec(l) }}
	for _, f := range opts {
		f(&o)
	}
	t := &TCPServer{srv: srv, newCodec: o.newCodec, linger: 2 * time.Second, states: make(map[*reactor.EventLoop]*tcpLoopState)}
	topts := append([]tcp.Option{tcp.WithName("rpc"), tcp.WithLogger(srv.log), tcp.WithLoopInit(func(l *reactor.EventLoop) {
		t.mu.Lock()
		t.states[l] = &tcpLoopState{out: make([]byte, 0, 4096)}
		t.mu.Unlock()
	})}, o.tcpOpts...)
	ts := tcp.NewServer(topts...)
	ts.SetCallbacks(tcp.Callbacks{Connection: t.onConnection, Message: t.onMessage, HalfClose: t.onHalfClose})
	t.tcp = ts
	return t
}

// Start listens on addr (an address as net.Listen takes it, see
// tcp.Server.Start) and serves. Safe from any goroutine; once.
func (t *TCPServer) Start(addr string) error { return t.tcp.Start(addr) }

// ListenAndServe is Start followed by waiting until Shutdown or Close has
// stopped the transport; then it returns tcp.ErrServerClosed.
func (t *TCPServer) ListenAndServe(addr string) error { return t.tcp.ListenAndServe(addr) }

// Serve serves the connections of a listener made elsewhere (systemd's
// socket, a test's) until Shutdown or Close, then returns
// tcp.ErrServerClosed; see tcp.Server.Serve for which listeners can be
// served. It always closes l. Safe from any goroutine; once, as Start.
func (t *TCPServer) Serve(l net.Listener) error { return t.tcp.Serve(l) }

// Addr returns the listening address, or the zero AddrPort until the
// transport listens. Safe from any goroutine.
func (t *TCPServer) Addr() netip.AddrPort { return t.tcp.Addr() }

// TCP returns the underlying tcp.Server.
func (t *TCPServer) TCP() *tcp.Server { return t.tcp }

// Shutdown stops accepting and closes the connections once their replies
// are out (in-flight calls finish first), force-closing at ctx's end, when
// it returns ctx.Err(). Requests that arrive after Shutdown began are not
// answered.
func (t *TCPServer) Shutdown(ctx context.Context) error {
	// Not tcp.Server.Shutdown: it half-closes every connection at once,
	// after which a worker's reply can no longer be sent.
	t.tcp.StopAccepting()
	t.tcp.ForEachConn(func(tc *tcp.Conn) {
		if c, ok := tc.Data().(*rpcConn); ok {
			c.drain()
		} else {
			tc.Shutdown()
		}
	})
	err := t.tcp.WaitIdle(ctx)
	_ = t.tcp.Close()
	return err
}

// Close closes every connection and stops the loops at once.
func (t *TCPServer) Close() error { return t.tcp.Close() }

// rpcConn is the RPC state of one connection, its tcp.Conn's context.
type rpcConn struct {
	t       *TCPServer
	tc      *tcp.Conn
	ls      *tcpLoopState
	codec   Codec
	sess    *Session
	cancel  context.CancelFunc
	onReply func(Reply) // bound once: no allocation per call
	resume  func()
	check   func()
	paused  bool // saturated: input is left unprocessed until a reply
	stopped bool // paused with enough input buffered to stop reading
	closing bool
	waiting atomic.Bool // paused and waiting for a reply to resume

	peerEOF     bool         // the client half-closed: answer what it sent, then close
	outstanding atomic.Int64 // texts dispatched whose reply is not sent yet
	draining    atomic.Bool  // Shutdown: close once outstanding is 0
}

// pauseInput is how much unprocessed input a saturated connection buffers
// before it stops reading. Reading on below it keeps the peer's FIN
// visible (a connection that does not read never sees it), so the
// contexts of the calls in flight end when a client goes away.
const pauseInput = 64 << 10

func (t *TCPServer) onConnection(tc *tcp.Conn) {
	if !tc.Connected() {
		if c, ok := tc.Data().(*rpcConn); ok {
			c.cancel()
		}
		return
	}
	t.mu.Lock()
	ls := t.states[tc.Loop()]
	if ls == nil { // a WithLoopInit in WithTCPOptions replaced ours
		ls = &tcpLoopState{}
		t.states[tc.Loop()] = ls
	}
	t.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	c := &rpcConn{t: t, tc: tc, ls: ls, codec: t.newCodec(t.srv.limits), sess: t.srv.NewSession(ctx), cancel: cancel}
	c.onReply = c.reply
	c.resume = c.resumeInLoop
	c.check = c.drainCheck
	tc.SetData(c)
}

func (t *TCPServer) onMessage(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) {
	c, ok := tc.Data().(*rpcConn)
	if !ok {
		in.RetrieveAll()
		return
	}
	c.process(in)
}

// process frames and dispatches every complete text in in.
func (c *rpcConn) process(in *buffer.Buffer) {
	if c.closing {
		in.RetrieveAll() // nothing more is answered: do not keep it
		return
	}
	for !c.closing {
		if c.sess.Saturated() {
			// Too many blocking calls outstanding: stop reading until a
			// reply comes back (TCP flow control then slows the client).
			// Workers decrement the count before they reply, so after
			// announcing that we wait, a second look tells whether a
			// reply slipped in between and nothing would wake us.
			c.waiting.Store(true)
			if !c.sess.Saturated() && c.waiting.CompareAndSwap(true, false) {
				continue
			}
			c.paused = true
			if !c.stopped && in.ReadableBytes() >= pauseInput {
				c.stopped = true
				c.tc.StopRead()
			}
			break
		}
		text, consumed, err := c.codec.Scan(in.Peek())
		if err != nil {
			ls := c.ls
			ls.out = c.codec.AppendFrame(ls.out, c.t.srv.appendScanError(nil, err))
			c.closing = true
			in.RetrieveAll()
			c.flush()
			c.tc.Shutdown()
			c.tc.ForceCloseWithDelay(c.t.linger)
			return
		}
		if text == nil {
			in.Retrieve(consumed)
			break
		}
		c.outstanding.Add(1)
		c.sess.Dispatch(text, c.onReply)
		in.Retrieve(consumed)
	}
	c.flush()
	if c.outstanding.Load() > 0 {
		// Calls went to the worker pool: let the workers run before the
		// loop sleeps (see reactor.YieldBeforePoll).
		c.tc.Loop().YieldBeforePoll()
	}
}

func (c *rpcConn) flush() {
	if out := c.ls.out; len(out) > 0 {
		_ = c.tc.Send(out)
		c.ls.out = out[:0]
		if cap(out) > maxPooledBuffer {
			c.ls.out = nil // one large reply does not pin its size in the loop
		}
	}
}

// reply receives every Reply of the connection. On the loop (an inline
// method, called from inside Dispatch) it joins the batch that process
// flushes; from a worker it is framed and sent at once.
func (c *rpcConn) reply(r Reply) {
	if !r.Empty() {
		if c.tc.Loop().InLoop() {
			c.ls.out = c.codec.AppendFrame(c.ls.out, r.Bytes())
		} else {
			bb := bytebufferpool.Get()
			bb.B = c.codec.AppendFrame(bb.B, r.Bytes())
			_ = c.tc.Send(bb.B)
			if cap(bb.B) <= maxPooledBuffer {
				bytebufferpool.Put(bb)
			}
		}
		r.Release()
	}
	if c.outstanding.Add(-1) == 0 && c.draining.Load() {
		// The last reply is out (a worker's Send is queued on the loop
		// before this): half-close after it.
		c.tc.Loop().QueueInLoop(c.check)
	}
	if c.waiting.Load() && c.waiting.CompareAndSwap(true, false) {
		c.tc.Loop().RunInLoop(c.resume)
	}
}

// onHalfClose: the client sent everything it will send (printf ... | nc -N,
// say). Every complete text it sent has been dispatched unless the
// connection is paused; the connection closes once the last reply is out,
// so replies from the worker pool still reach the client (tcp closes it
// anyway after tcp.HalfCloseGrace).
func (t *TCPServer) onHalfClose(tc *tcp.Conn) {
	c, ok := tc.Data().(*rpcConn)
	if !ok {
		tc.Shutdown()
		return
	}
	c.peerEOF = true
	if !c.paused && !c.closing {
		c.drain()
	}
}

func (c *rpcConn) resumeInLoop() {
	if !c.paused || c.closing || c.tc.Disconnected() {
		return
	}
	defer func() {
		if c.peerEOF && !c.paused && !c.closing {
			c.drain() // the input left when the client half-closed is done
		}
	}()
	c.paused = false
	if c.stopped {
		c.stopped = false
		c.tc.StartRead()
	}
	c.process(c.tc.Input())
}

// drain starts a graceful close, on the loop: nothing more is dispatched,
// and the connection is half-closed once every reply is sent. Reading goes
// on (discarding) so that the peer's close is seen.
func (c *rpcConn) drain() {
	c.closing = true
	c.draining.Store(true)
	c.tc.Input().RetrieveAll()
	if c.stopped {
		c.stopped = false
		c.tc.StartRead()
	}
	// draining is stored before outstanding is loaded and a reply
	// decrements before it loads draining, so either this sees 0 or the
	// last reply sees draining (or both). Queued either way, behind the
	// last reply's Send, which a worker queues on the loop before its
	// decrement.
	if c.outstanding.Load() == 0 {
		c.tc.Loop().QueueInLoop(c.check)
	}
}

func (c *rpcConn) drainCheck() { c.tc.Shutdown() }
