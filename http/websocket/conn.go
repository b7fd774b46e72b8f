package websocket

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/valyala/bytebufferpool"
)

// ErrClosed is returned by the send methods once this side has sent its
// close frame or the connection has ended.
var ErrClosed = errors.New("websocket: connection closed")

// ErrInvalidCloseCode is returned by Close for a code that may not be sent
// (RFC 6455 7.4), or a reason over 123 bytes or not UTF-8.
var ErrInvalidCloseCode = errors.New("websocket: invalid close code or reason")

// Conn is one WebSocket connection, server or client side. Its reading
// side lives on the connection's event loop (the callbacks of its
// Handler); its sending side (Send, SendText, SendBinary, Ping, Close) may
// be used from any goroutine, and frames go out in the order of the calls
// that were made, whatever goroutine made them.
//
// A Conn costs its struct while idle: no goroutine, no buffer. A message
// is assembled in a pooled buffer only while its fragments arrive, and
// compression state outlives a message only with Options.ContextTakeover.
type Conn struct {
	tc     *tcp.Conn
	opts   *Options
	client bool

	// Loop-only reading state.
	hdr        frameHeader
	hdrOK      bool      // hdr is the current frame's, its payload is awaited
	done       int       // payload bytes of the current frame already unmasked
	msgType    byte      // opcode of the data message in progress, 0 if none
	msgDeflate bool      // the message in progress is compressed
	msgStream  bool      // the message in progress goes to OnMessagePart as it arrives
	utf8       utf8State // validation of the text message in progress
	msgSize    int       // bytes of the message in progress so far
	msg        *bytebufferpool.ByteBuffer
	discard    bool // closing: input is dropped
	readPaused bool // StopRead until the output drains
	gotClose   bool // the peer's close frame arrived
	opened     bool // OnOpen ran
	closeCode  int
	closeText  string
	lastRead   int64 // loop time of the last read, for the keep-alive
	timer      reactor.TimerID
	endClient  func() // a Dial's: stops its tcp.Client once closed
	drainWait  []func()

	// Sending state, under wmu: any goroutine.
	wmu         sync.Mutex
	pending     *bytebufferpool.ByteBuffer // frames for the loop to send, in order
	handshaking bool                       // before the 101 left: frames wait in pending
	closeSent   bool
	gone        bool
	deflate     *deflateState
	flushFunc   func()

	subprotocol string
	userData    any
}

// Subprotocol returns the negotiated subprotocol, "" if none.
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool { return c.deflate != nil }

// LocalAddr returns the local address. Safe from any goroutine.
func (c *Conn) LocalAddr() netip.AddrPort { return c.tc.LocalAddr() }

// RemoteAddr returns the peer's address. Safe from any goroutine.
func (c *Conn) RemoteAddr() netip.AddrPort { return c.tc.PeerAddr() }

// TCP returns the underlying connection, for its loop and statistics.
// Writing to it directly breaks the framing.
func (c *Conn) TCP() *tcp.Conn { return c.tc }

// Data returns the value stored with SetData. Loop only, like the
// callbacks, or with the caller's own synchronisation.
func (c *Conn) Data() any { return c.userData }

// SetData stores a value with the connection (an application's
// per-connection state). Loop only, like Data.
func (c *Conn) SetData(v any) { c.userData = v }

// SendText sends a text message. The caller guarantees s is UTF-8: it
// is not checked here (the peer checks it and fails the connection with
// 1007 otherwise). Safe from any goroutine; p may be reused once it
// returns.
func (c *Conn) SendText(s string) error { return c.send(opText, stringBytes(s)) }

// SendBinary sends a binary message. Safe from any goroutine; p may be
// reused once it returns.
func (c *Conn) SendBinary(p []byte) error { return c.send(opBinary, p) }

// Send sends a message of the given type. Safe from any goroutine; p may
// be reused once it returns.
func (c *Conn) Send(typ MessageType, p []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errors.New("websocket: Send of " + typ.String())
	}
	return c.send(byte(typ), p)
}

// Ping sends a ping with up to 125 bytes of application data; OnPong sees
// the answer. Safe from any goroutine.
func (c *Conn) Ping(data []byte) error {
	if len(data) > maxControlPayload {
		return ErrInvalidCloseCode
	}
	return c.send(opPing, data)
}

// Close starts the closing handshake: it sends a close frame with code
// and reason (at most 123 bytes of UTF-8) and nothing more may be sent.
// The peer answers with its own close frame, after which the TCP
// connection closes (the server closes it first, RFC 6455 7.1.1); after
// Options.CloseTimeout it is closed regardless. OnClose runs when it has.
// Code 0 sends a close frame without a code. Safe from any goroutine;
// ErrClosed if a close frame was already sent.
func (c *Conn) Close(code int, reason string) error {
	if code != 0 && !validCloseCode(code) || code == 0 && reason != "" ||
		len(reason) > maxControlPayload-2 || !validUTF8(stringBytes(reason)) {
		return ErrInvalidCloseCode
	}
	if err := c.send(opClose, closePayload(code, reason)); err != nil {
		return err
	}
	c.tc.Loop().RunInLoop(func() {
		if !c.gotClose {
			c.closeTimer()
		}
	})
	return nil
}

// closeTimer bounds the close handshake: the connection is closed by
// force after the close timeout. A timer, not tcp's ForceCloseWithDelay,
// which would stop the connection from reading the peer's answer. Loop
// only.
func (c *Conn) closeTimer() {
	tc := c.tc
	tc.Loop().RunAfter(c.opts.closeTimeout(), tc.ForceClose)
}

func closePayload(code int, reason string) []byte {
	if code == 0 {
		return nil
	}
	b := make([]byte, 2, 2+len(reason))
	b[0], b[1] = byte(code>>8), byte(code)
	return append(b, reason...)
}

// send frames p and queues it. Frames are built under wmu and either
// written at once (on the loop, nothing pending) or appended to pending,
// which the loop flushes in order: the order of the calls is the order on
// the wire, across goroutines.
func (c *Conn) send(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent || c.gone {
		return ErrClosed
	}
	if op == opClose {
		c.closeSent = true
	}
	first := bitFin | op
	payload := p
	var cbuf *bytebufferpool.ByteBuffer
	if c.deflate != nil && op < opClose && len(p) >= c.opts.threshold() {
		cbuf = bytebufferpool.Get()
		if err := c.deflate.compress(cbuf, p); err != nil {
			bytebufferpool.Put(cbuf)
			return err
		}
		// A kept window compressor has taken p into its history: its
		// output must be sent even if larger.
		if len(cbuf.B) < len(p) || c.deflate.writer != nil || (!c.deflate.txNoContext && c.deflate.txBits >= 15) {
			payload = cbuf.B
			first |= bitRsv1
		}
	}
	if cbuf != nil {
		defer bytebufferpool.Put(cbuf)
	}
	var key []byte
	var keyArr [4]byte
	if c.client {
		r := rand.Uint32()
		keyArr = [4]byte{byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24)}
		key = keyArr[:]
	}
	if !c.handshaking && c.pending == nil && !c.client && c.tc.Loop().InLoop() {
		var hb [maxHeaderLen]byte
		err := c.tc.Sendv(appendHeader(hb[:0], first, len(payload), nil), payload)
		c.checkOutput()
		return err
	}
	if c.pending == nil {
		c.pending = bytebufferpool.Get()
		if c.flushFunc == nil {
			c.flushFunc = c.flushPending // bound on first use: idle connections do without
		}
		if !c.handshaking {
			c.tc.Loop().QueueInLoop(c.flushFunc)
		}
	}
	b := c.pending
	b.B = appendHeader(b.B, first, len(payload), key)
	start := len(b.B)
	b.B = append(b.B, payload...)
	if c.client {
		maskBytes(keyArr, 0, b.B[start:])
	}
	return nil
}

// flushPending sends the frames queued by send. Loop only.
func (c *Conn) flushPending() {
	c.wmu.Lock()
	b := c.pending
	c.pending = nil
	c.wmu.Unlock()
	if b == nil {
		return
	}
	_ = c.tc.Send(b.B)
	bytebufferpool.Put(b)
	c.checkOutput()
}

// checkOutput turns a queue past the high-water mark into backpressure:
// reading stops until the output has drained. Loop only.
func (c *Conn) checkOutput() {
	if c.readPaused || c.tc.OutputBytes() <= c.opts.highWater() {
		return
	}
	c.readPaused = true
	c.tc.StopRead()
	c.tc.SetWriteCompleteCallback(c.drained)
}

// OnDrained runs f on the loop once everything queued so far has been
// handed to the kernel: at once if nothing is queued. A producer that
// must not outrun a slow peer (package rpc's notifications) sends while
// the queue is short and waits for this. Loop only.
func (c *Conn) OnDrained(f func()) {
	if c.tc.OutputBytes() == 0 {
		f()
		return
	}
	c.drainWait = append(c.drainWait, f)
	c.tc.SetWriteCompleteCallback(c.drained)
}

// OutputBytes returns the bytes queued for the peer and not yet handed to
// the kernel. Loop only.
func (c *Conn) OutputBytes() int { return c.tc.OutputBytes() }

// QueueInLoop runs f on the connection's loop after the callback or
// functor running there now, even when called on the loop: for work that
// must see the connection from its loop, in order after what the loop
// is doing (an answer being sent). Safe from any goroutine.
func (c *Conn) QueueInLoop(f func()) { c.tc.Loop().QueueInLoop(f) }

// drained is the WriteComplete callback while reading is paused or
// someone waits in OnDrained.
func (c *Conn) drained(tc *tcp.Conn) {
	tc.SetWriteCompleteCallback(nil)
	if c.readPaused {
		c.readPaused = false
		if !c.discard {
			tc.StartRead()
		}
	}
	waiters := c.drainWait
	c.drainWait = nil
	for _, f := range waiters {
		f()
	}
}

// open makes the connection live on its loop: the handshake's bytes are
// out, frames sent meanwhile follow. Loop only.
func (c *Conn) open() {
	c.lastRead = c.tc.Loop().Now().UnixNano()
	c.wmu.Lock()
	c.handshaking = false
	queued := c.pending != nil
	c.wmu.Unlock()
	if queued {
		c.flushPending()
	}
	c.startKeepAlive()
	c.opened = true
	if c.opts.OnOpen != nil {
		c.opts.OnOpen(c)
	}
}

// startKeepAlive arms the ping / idle timer. Loop only.
func (c *Conn) startKeepAlive() {
	ping, idle := c.opts.PingInterval, c.opts.IdleTimeout
	if ping <= 0 && idle <= 0 {
		return
	}
	tick := ping
	if tick <= 0 || (idle > 0 && idle < tick) {
		tick = idle
	}
	c.timer = c.tc.Loop().RunEvery(tick/2+1, c.keepAlive)
}

func (c *Conn) keepAlive() {
	if c.discard {
		return
	}
	quiet := time.Duration(c.tc.Loop().Now().UnixNano() - c.lastRead)
	switch {
	case c.opts.IdleTimeout > 0 && quiet >= c.opts.IdleTimeout:
		c.fail(CloseGoingAway, "idle timeout")
	case c.opts.PingInterval > 0 && quiet >= c.opts.PingInterval:
		_ = c.send(opPing, nil)
	}
}

// closed runs when the TCP connection has closed. Loop only.
func (c *Conn) closed() {
	c.wmu.Lock()
	c.gone = true
	if c.pending != nil {
		bytebufferpool.Put(c.pending)
		c.pending = nil
	}
	c.wmu.Unlock()
	if c.timer.Valid() {
		c.tc.Loop().Cancel(c.timer)
	}
	c.releaseMessage()
	code, reason := c.closeCode, c.closeText
	if code == 0 {
		code = CloseAbnormal
	}
	if c.opened && c.opts.OnClose != nil {
		c.opts.OnClose(c, code, reason)
	}
	if c.endClient != nil {
		c.endClient()
	}
}

func (c *Conn) releaseMessage() {
	if c.msg != nil {
		bytebufferpool.Put(c.msg)
		c.msg = nil
	}
	c.msgType, c.msgDeflate, c.msgStream, c.msgSize, c.utf8 = 0, false, false, 0, 0
}
