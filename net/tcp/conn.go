package tcp

import (
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/valyala/bytebufferpool"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// ErrClosed is returned by Send and friends on a Conn that is not connected
// (it is shutting down or has closed). Nothing was written.
var ErrClosed = errors.New("tcp: connection closed")

type connState int32

const (
	stateConnecting connState = iota
	stateConnected
	stateDisconnecting // Shutdown or ForceClose requested
	stateDisconnected
)

func (s connState) String() string {
	return [...]string{"connecting", "connected", "disconnecting", "disconnected"}[s]
}

// Conn is one TCP connection, muduo's TcpConnection. See the package
// documentation for who owns it and when it becomes invalid.
type Conn struct {
	// Ordered by use: the first cache line holds what every event touches
	// (the callbacks, the channel, the state, the owner's set), the next
	// two the buffers and the context; names, addresses and the list links
	// come last. With many connections each line is a likely cache miss.
	cfg        *connConfig
	ch         reactor.Channel // also holds the loop and the fd
	state      atomic.Int32
	wcQueued   bool     // a WriteComplete call is queued (loop only)
	peerClosed bool     // read EOF seen; close once output drains (loop only)
	reading    bool     // read interest wanted (loop only)
	holding    bool     // peer closed, kept open for the owner's answers (loop only)
	set        *connSet // the owner's connections on this loop

	in  buffer.Buffer // unconsumed input; owns storage only while non-empty
	out buffer.Buffer // unsent output; owns storage only while non-empty
	ctx any

	// State used only by connections that send from other goroutines or
	// listen for WriteComplete, made on first use: an idle connection
	// does not pay for it (see connExtra).
	extra atomic.Pointer[connExtra]

	// tls is the connection's TLS state, nil for plain TCP (see tls.go).
	tls *tlsConn

	id          uint64
	prev, next  *Conn // intrusive list of the owner's connections on this loop
	local, peer netip.AddrPort
}

// connExtra holds the off-loop send queue and the functors bound once per
// connection. Output sent from other goroutines is coalesced under mu and
// flushed by one functor on the loop, so a burst of off-loop sends costs
// one wakeup and one write.
type connExtra struct {
	mu        sync.Mutex
	offLoop   *bytebufferpool.ByteBuffer
	flushFunc func()                // flushOffLoop, bound on the first off-loop send (under mu)
	wcFunc    func()                // runWriteComplete, bound on first use (loop only)
	wc        WriteCompleteCallback // the connection's own, see SetWriteCompleteCallback
	offFiles  []offLoopFile         // transfers sent from other goroutines, placed in offLoop (under mu)
	files     fileQueue             // queued transfers (loop only, see sendfile.go)
	linger    time.Duration         // ShutdownThenClose's, armed at the half-close (loop only)
	// tlsHeld is plaintext sent on a TLS connection behind a queued
	// transfer, encrypted when the transfer is (loop only, sendfile_tls.go).
	tlsHeld []byte
}

// extras returns the connection's connExtra, making it on first use (from
// any goroutine: whoever wins the compare-and-swap installs it).
func (c *Conn) extras() *connExtra {
	if x := c.extra.Load(); x != nil {
		return x
	}
	// The functors are bound when first needed: a connection that only
	// ever sets a WriteComplete callback (an HTTP connection paused for an
	// Upgrade) does not carry them for the rest of its life.
	x := &connExtra{}
	if c.extra.CompareAndSwap(nil, x) {
		return x
	}
	return c.extra.Load()
}

func newConn(loop *reactor.EventLoop, cfg *connConfig, fd int, id uint64, local, peer netip.AddrPort) *Conn {
	c := &Conn{cfg: cfg, id: id, local: local, peer: peer}
	c.ch.Init(loop, fd, (*connEvents)(c))
	c.state.Store(int32(stateConnecting))
	if cfg.tls != nil {
		c.tls = newTLSConn(c, cfg.tls)
	}
	return c
}

// Name returns "<owner>-<owner address>#<id>", unique within the owner.
// Safe from any goroutine.
func (c *Conn) Name() string { return c.cfg.name + "#" + strconv.FormatUint(c.id, 10) }

// ID returns the connection's sequence number within its owner.
func (c *Conn) ID() uint64 { return c.id }

// Loop returns the IO loop that owns the connection.
func (c *Conn) Loop() *reactor.EventLoop { return c.ch.Loop() }

// LocalAddr returns the local address. Safe from any goroutine.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// PeerAddr returns the peer's address. Safe from any goroutine.
func (c *Conn) PeerAddr() netip.AddrPort { return c.peer }

// Connected reports whether the connection is up (not shutting down or
// closed). Safe from any goroutine.
func (c *Conn) Connected() bool { return connState(c.state.Load()) == stateConnected }

// Disconnected reports whether the connection has closed for good.
func (c *Conn) Disconnected() bool { return connState(c.state.Load()) == stateDisconnected }

// Data returns the value stored with SetData: a protocol's per-connection
// state (muduo's TcpConnection::getContext). It is named Data, not
// Context, because in Go a Context is a context.Context. Loop goroutine
// only.
func (c *Conn) Data() any { return c.ctx }

// SetData stores a value with the connection. Loop goroutine only.
func (c *Conn) SetData(v any) { c.ctx = v }

// SetWriteCompleteCallback gives this connection a WriteComplete callback
// of its own, called instead of the owner's from the next time its output
// drains; nil goes back to the owner's. It is muduo's per-connection
// setWriteCompleteCallback: a protocol that only needs to know when output
// drains while it waits (a paused reader, a sender of a large file) sets
// it for that time, and the connections that never wait pay nothing for a
// callback on every write. Loop goroutine only.
func (c *Conn) SetWriteCompleteCallback(f WriteCompleteCallback) {
	if f == nil && c.extra.Load() == nil {
		return // nothing to undo: no connExtra made for it
	}
	c.extras().wc = f
}

// writeCompleteCallback returns the connection's own WriteComplete callback
// if it has one, else the owner's (nil: none).
func (c *Conn) writeCompleteCallback() WriteCompleteCallback {
	if x := c.extra.Load(); x != nil && x.wc != nil {
		return x.wc
	}
	return c.cfg.cb.WriteComplete
}

// Input returns the connection's own input buffer: the bytes a message
// callback left unconsumed. A protocol that paused processing (say, to
// bound pipelined work) uses it to resume without waiting for new bytes.
// Loop goroutine only, and not from inside a message callback (use the
// buffer the callback was given there).
func (c *Conn) Input() *buffer.Buffer { return &c.in }

// OutputBytes returns the number of bytes queued for sending in memory
// (the bytes of queued SendFile transfers are not counted: they stay in
// their files until they go out). Loop only.
func (c *Conn) OutputBytes() int { return c.out.ReadableBytes() }

// QueuedFileBytes returns the bytes of queued SendFile and SendReader
// transfers not yet sent (0: none queued); a protocol watching a slow
// reader's progress compares it over time. Loop only.
func (c *Conn) QueuedFileBytes() int64 {
	x := c.extra.Load()
	if x == nil {
		return 0
	}
	var n int64
	for _, t := range x.files.items {
		n += t.left
	}
	return n
}

// Send queues p for sending. On the loop with nothing queued it writes at
// once; whatever the kernel does not take is queued and sent when the
// socket is writable. From another goroutine p is copied and the send
// happens on the loop. Safe from any goroutine; returns ErrClosed (and
// sends nothing) unless the connection is connected. Bytes a Send accepted
// (nil) go out before the connection ends, whether it ends by Shutdown or
// by the peer's FIN, unless it is forced shut: ForceClose, a write error,
// a reset from the peer.
//
// Order: the bytes of the Sends made by one goroutine arrive in the order
// of the calls. Between goroutines there is no order: a Send on the loop
// writes at once, possibly ahead of bytes another goroutine queued just
// before; a protocol that needs a total order sends from one goroutine.
func (c *Conn) Send(p []byte) error {
	if !c.Connected() {
		return ErrClosed
	}
	if c.ch.Loop().InLoop() {
		c.sendInLoop(p)
		return nil
	}
	return c.sendOffLoop(p, "")
}

// SendString is Send for a string. Safe from any goroutine.
func (c *Conn) SendString(s string) error {
	if !c.Connected() {
		return ErrClosed
	}
	if c.ch.Loop().InLoop() {
		c.sendInLoop(stringBytes(s))
		return nil
	}
	return c.sendOffLoop(nil, s)
}

// SendBuffer sends b's readable bytes and consumes them from b. Safe from
// any goroutine (b itself must be the caller's).
func (c *Conn) SendBuffer(b *buffer.Buffer) error {
	err := c.Send(b.Peek())
	if err == nil {
		b.RetrieveAll()
	}
	return err
}

// Sendv sends the slices back to back as one message: on the loop with
// nothing queued it is a single writev. Safe from any goroutine.
func (c *Conn) Sendv(bufs ...[]byte) error {
	if !c.Connected() {
		return ErrClosed
	}
	if c.ch.Loop().InLoop() {
		c.sendvInLoop(bufs)
		return nil
	}
	x := c.extras()
	x.mu.Lock()
	defer x.mu.Unlock()
	if !c.Connected() {
		return ErrClosed
	}
	for _, b := range bufs {
		c.appendOffLoopLocked(x, b, "")
	}
	return nil
}

// sendOffLoop queues bytes for the loop to send. The state is checked
// again under the queue's lock: whatever moves a connection out of
// connected (Shutdown, the peer's FIN) does so before it takes the queue
// for the last time, so bytes are either refused here or in that last
// flush, never accepted and then dropped.
func (c *Conn) sendOffLoop(p []byte, s string) error {
	x := c.extras()
	x.mu.Lock()
	defer x.mu.Unlock()
	if !c.Connected() {
		return ErrClosed
	}
	c.appendOffLoopLocked(x, p, s)
	return nil
}

// appendOffLoopLocked adds to the off-loop queue; the first append after a
// flush queues the flush functor.
func (c *Conn) appendOffLoopLocked(x *connExtra, p []byte, s string) {
	if x.offLoop == nil {
		x.offLoop = bytebufferpool.Get()
		if x.flushFunc == nil {
			x.flushFunc = c.flushOffLoop
		}
		c.ch.Loop().QueueInLoop(x.flushFunc)
	}
	_, _ = x.offLoop.Write(p)
	_, _ = x.offLoop.WriteString(s)
}

func (c *Conn) flushOffLoop() {
	x := c.extra.Load()
	if x == nil {
		return
	}
	x.mu.Lock()
	b := x.offLoop
	x.offLoop = nil
	files := x.offFiles
	x.offFiles = nil
	x.mu.Unlock()
	if b == nil {
		return
	}
	if len(files) > 0 {
		c.flushOffLoopFiles(b.B, files)
	} else if st := connState(c.state.Load()); st != stateDisconnected {
		c.sendInLoop(b.B)
	}
	// A queue grown by one large burst is dropped, not pooled:
	// bytebufferpool keeps every size until it has calibrated, and a few
	// multi-MiB buffers stayed live as RSS after the burst.
	if cap(b.B) <= maxPooledOffLoop {
		bytebufferpool.Put(b)
	}
}

// maxPooledOffLoop bounds the off-loop queue buffers returned to the pool.
const maxPooledOffLoop = 64 << 10

// flushOffLoopFiles sends the off-loop queue with the transfers placed in
// it, each after the bytes queued before it.
func (c *Conn) flushOffLoopFiles(p []byte, files []offLoopFile) {
	at := 0
	for _, f := range files {
		if c.Disconnected() {
			f.t.finish(ErrClosed)
			continue
		}
		c.sendInLoop(p[at:f.at])
		at = f.at
		c.sendTransferInLoop(f.t)
	}
	if !c.Disconnected() {
		c.sendInLoop(p[at:])
	}
}

// Shutdown half-closes the connection once every queued byte has been sent:
// the peer reads EOF, and the connection closes when the peer closes its
// side. Safe from any goroutine; a no-op unless connected.
func (c *Conn) Shutdown() {
	if !c.state.CompareAndSwap(int32(stateConnected), int32(stateDisconnecting)) {
		return
	}
	c.ch.Loop().RunInLoop(c.shutdownInLoop)
}

// ShutdownThenClose is Shutdown, and then, from the moment the half-close
// is made (every queued byte and file sent), a close after linger unless
// the peer has closed its side first. It ends a connection whose peer is
// expected to read to the end and close, such as an HTTP response that
// says "Connection: close": the linger starts when the last byte has gone,
// so a large response to a slow reader is not cut, and a peer that never
// closes does not keep the connection. A connection already shutting down
// gets the linger at once, as ForceCloseWithDelay. Safe from any
// goroutine.
func (c *Conn) ShutdownThenClose(linger time.Duration) {
	if !c.state.CompareAndSwap(int32(stateConnected), int32(stateDisconnecting)) {
		c.ForceCloseWithDelay(linger)
		return
	}
	c.ch.Loop().RunInLoop(func() {
		c.extras().linger = linger
		c.shutdownInLoop()
	})
}

// ForceClose closes the connection now, dropping unsent output. Safe from
// any goroutine; the close happens on the loop (queued, so a callback that
// calls it still finishes first).
func (c *Conn) ForceClose() {
	if !c.markDisconnecting() {
		return
	}
	c.ch.Loop().QueueInLoop(c.handleClose)
}

// markDisconnecting moves a connected or disconnecting Conn to
// disconnecting and reports whether it did. A compare-and-swap, not a load
// and a store: the loop may close the connection in between, and a plain
// store would then turn disconnected back into disconnecting, so that the
// queued handleClose ran a second time (a second down callback, the
// owner's count decremented twice).
func (c *Conn) markDisconnecting() bool {
	for {
		st := c.state.Load()
		if connState(st) != stateConnected && connState(st) != stateDisconnecting {
			return false
		}
		if c.state.CompareAndSwap(st, int32(stateDisconnecting)) {
			return true
		}
	}
}

// ForceCloseWithDelay force-closes the connection after d, unless it has
// closed by then. Safe from any goroutine.
func (c *Conn) ForceCloseWithDelay(d time.Duration) {
	if !c.markDisconnecting() {
		return
	}
	c.ch.Loop().RunAfter(d, c.handleClose)
}

// StartRead resumes reading (read interest on). Safe from any goroutine.
func (c *Conn) StartRead() { c.ch.Loop().RunInLoop(c.startReadInLoop) }

// StopRead stops reading: the kernel's receive buffer fills and TCP flow
// control slows the peer. The basis of backpressure. Safe from any goroutine.
func (c *Conn) StopRead() { c.ch.Loop().RunInLoop(c.stopReadInLoop) }

// SetTCPNoDelay sets TCP_NODELAY. Safe from any goroutine: off the loop it
// is applied on the loop and its error, if any, is logged.
func (c *Conn) SetTCPNoDelay(on bool) error {
	return c.sockopt(func() error { return socket.SetNoDelay(c.ch.Fd(), on) })
}

// SetKeepAlive sets SO_KEEPALIVE and, with period > 0, the probe timing.
// Safe from any goroutine, as SetTCPNoDelay.
func (c *Conn) SetKeepAlive(on bool, period time.Duration) error {
	return c.sockopt(func() error { return socket.SetKeepAlive(c.ch.Fd(), on, period) })
}

// sockopt runs f against the fd on the loop, only while the fd is open: an
// option set from another goroutine must never reach a reused fd.
func (c *Conn) sockopt(f func() error) error {
	if c.ch.Loop().InLoop() {
		if c.Disconnected() {
			return ErrClosed
		}
		return f()
	}
	if c.Disconnected() {
		return ErrClosed
	}
	c.ch.Loop().QueueInLoop(func() {
		if c.Disconnected() {
			return
		}
		if err := f(); err != nil {
			c.ch.Loop().Logger().Warn("tcp: socket option", "conn", c.Name(), "err", err)
		}
	})
	return nil
}

// stringBytes views s as bytes without copying; the bytes are only read
// (handed to the kernel or copied into the output queue).
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
