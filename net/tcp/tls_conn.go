package tcp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// The loop side of a TLS connection: everything here runs on c.ch.Loop().
// Once the handshake is done, a read event's ciphertext is decrypted by
// tls.Conn.Read on the loop into the connection's input buffer, and Send's
// plaintext is encrypted by tls.Conn.Write on the loop into the loop's
// record buffer and sent; see recordConn for how the two meet.

// tlsWriteChunk bounds the plaintext handed to one tls.Conn.Write, so the
// loop's record buffer stays small whatever the size of a Send.
const tlsWriteChunk = 64 << 10

// tlsReadRoom is the room made in the input buffer for each tls.Conn.Read.
const tlsReadRoom = 4 << 10

// tlsScratch is one loop's record buffers, shared by its TLS connections
// (each use is done before the next begins): out collects the records of
// one tls.Conn call, plain coalesces a Sendv's slices.
type tlsScratch struct {
	out   []byte
	plain []byte
	chunk []byte // tlsSend's copy of the plaintext it hands to crypto/tls
}

// tlsConn is a connection's TLS state.
type tlsConn struct {
	c     *Conn
	owner *tlsOwner
	conn  *tls.Conn
	rc    recordConn
	done  atomic.Bool // the handshake succeeded (set on the loop, read anywhere)
	// running is when the handshake got its slot (UnixNano; 0 before).
	running atomic.Int64

	// Loop only.
	started     bool // the handshake was submitted
	announced   bool // the handshake succeeded; the Connection callback was called
	shutdown    bool // Shutdown asked for while the handshake ran (a client)
	reason      failReason
	pending     []byte // plaintext a client sent before its handshake was done
	timer       reactor.TimerID
	handshaking bool // counted in inProgress
	inputPaused bool // reading stopped while the handshake holds maxHandshakeInput
	// waitedForSlot: a timeout passed with the handshake queued for a
	// slot; the next one closes it if it is still queued.
	waitedForSlot bool
}

func newTLSConn(c *Conn, owner *tlsOwner) *tlsConn {
	t := &tlsConn{c: c, owner: owner}
	t.rc.c = c
	t.rc.cond.L = &t.rc.mu
	if owner.client {
		t.conn = tls.Client(&t.rc, owner.config)
	} else {
		t.conn = tls.Server(&t.rc, owner.config)
	}
	return t
}

// TLSConnectionState returns the connection's TLS state (version, cipher
// suite, ALPN protocol, server name, peer certificates, whether the
// session was resumed) and true, once its handshake is done; false for a
// plain connection. Safe from any goroutine.
func (c *Conn) TLSConnectionState() (tls.ConnectionState, bool) {
	// Not before the handshake is done: ConnectionState waits for a
	// handshake in progress, which may be waiting for this loop.
	if c.tls == nil || !c.tls.done.Load() {
		return tls.ConnectionState{}, false
	}
	return c.tls.conn.ConnectionState(), true
}

// IsTLS reports whether the connection speaks TLS. Safe from any goroutine.
func (c *Conn) IsTLS() bool { return c.tls != nil }

// tlsStart runs when the TCP connection is up: a client starts its
// handshake, a server waits for the ClientHello (no goroutine for a peer
// that connects and says nothing). The timeout runs from now.
func (c *Conn) tlsStart() {
	t := c.tls
	if c.set != nil {
		t.rc.out = &c.set.tlsScratch.out
	} else {
		t.rc.out = &t.owner.scratch.out
	}
	t.handshaking = true
	t.owner.stats.inProgress.Add(1)
	t.timer = c.ch.Loop().RunAfter(t.owner.timeout, c.tlsTimedOut)
	if t.owner.client {
		t.started = true
		t.owner.queue.submit(c)
	}
}

// tlsTimedOut closes a connection whose handshake is not done in time.
// The time a handshake waits for a slot (see handshakeQueue) is not held
// against the peer: its timeout is counted again from when it runs. But
// the wait itself is bounded, by one more timeout: a server that has had
// no slot free for that long is overloaded, the client has most likely
// given up (Go's http.Transport waits 10 s), and a queue that only grows
// would hold an fd per waiting connection.
func (c *Conn) tlsTimedOut() {
	t := c.tls
	if t.announced || c.Disconnected() {
		return
	}
	since := t.running.Load()
	rest := t.owner.timeout
	switch {
	case since != 0:
		rest -= time.Since(time.Unix(0, since))
	case t.started && !t.waitedForSlot:
		t.waitedForSlot = true // still waiting for a slot: not the peer's fault
	default:
		rest = 0
	}
	if t.started && rest > 0 {
		t.timer = c.ch.Loop().RunAfter(rest, c.tlsTimedOut)
		return
	}
	t.reason = failTimeout
	c.handleClose()
}

// peerHungUp notes, for TLSStats, that the peer reset or hung up on a
// handshake.
func (t *tlsConn) peerHungUp() {
	if !t.announced && t.reason == failNone {
		t.reason = failPeerClosed
	}
}

// tlsOnReadable is OnReadable for a TLS connection.
func (c *Conn) tlsOnReadable() {
	t := c.tls
	scratch := c.ch.Loop().Scratch()
	n, err := readRaw(c.ch.Fd(), scratch)
	switch {
	case n > 0:
		c.countIn(n)
		if t.announced {
			c.tlsDecrypt(scratch[:n], false)
			return
		}
		if !t.rc.feed(scratch[:n]) {
			// Enough for any handshake: the rest waits in the kernel
			// (tlsHandshakeDone reads on; a peer that only stalls meets
			// the handshake timeout).
			t.inputPaused = true
			_ = c.ch.DisableReading()
		}
		if !t.started && t.rc.helloArrived() {
			t.started = true
			t.owner.queue.submit(c)
		}
	case err == nil: // EOF
		if t.announced {
			c.handlePeerClosed()
			return
		}
		// Mid-handshake: the handshake may still succeed on what it
		// has; it fails otherwise, and then the connection closes.
		c.reading = false
		_ = c.ch.DisableReading()
		t.rc.feedEOF()
		if !t.started {
			t.reason = failPeerClosed
			c.handleClose()
		}
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
	default:
		c.ch.Loop().Logger().Debug("tcp: read", "conn", c.Name(), "err", err)
		if !t.announced {
			t.reason = failPeerClosed
		}
		c.handleClose()
	}
}

// tlsDecrypt decrypts src, and whatever crypto/tls kept of earlier reads,
// into the input buffer and delivers the plaintext. eof: the peer closed
// its side after src.
func (c *Conn) tlsDecrypt(src []byte, eof bool) {
	t := c.tls
	pool := c.ch.Loop().BufferPool()
	t.rc.src = src
	before := c.in.ReadableBytes()
	var err error
	for {
		pool.Get(&c.in)
		c.in.EnsureWritable(tlsReadRoom)
		var n int
		n, err = t.conn.Read(c.in.Writable())
		c.in.HasWritten(n)
		if err != nil {
			break
		}
	}
	t.rc.src = nil
	c.tlsFlush() // a KeyUpdate's answer, an alert
	if c.in.ReadableBytes() > before && !c.Disconnected() {
		c.deliver(&c.in)
	}
	if c.in.ReadableBytes() == 0 {
		pool.Put(&c.in)
	}
	if c.Disconnected() {
		return
	}
	switch {
	case errors.Is(err, errWouldBlock{}): // src used up; a partial record waits in crypto/tls
		if eof {
			c.handlePeerClosed()
		}
	case err == io.EOF: // close_notify
		c.handlePeerClosed()
	default:
		// A bad record or a fatal alert: crypto/tls has queued its alert;
		// send it and close.
		c.ch.Loop().Logger().Debug("tcp: tls: read", "conn", c.Name(), "err", err)
		c.closeAfterOutput()
	}
}

// closeAfterOutput stops reading and closes the connection once its
// output (an alert, a reply to a peer that spoke no TLS) has been sent, or
// after HalfCloseGrace if the peer does not read it.
func (c *Conn) closeAfterOutput() {
	if c.reading {
		c.reading = false
		_ = c.ch.DisableReading()
	}
	c.peerClosed, c.holding = true, false
	c.markDisconnecting()
	if c.out.ReadableBytes() == 0 {
		c.handleClose()
		return
	}
	c.ch.Loop().RunAfter(HalfCloseGrace, func() {
		if !c.Disconnected() {
			c.handleClose()
		}
	})
}

// tlsHandshakeDone runs on the loop with the handshake's result.
func (c *Conn) tlsHandshakeDone(err error) {
	t := c.tls
	st := &t.owner.stats
	if t.handshaking {
		t.handshaking = false
		st.inProgress.Add(-1)
	}
	c.ch.Loop().Cancel(t.timer)
	if err == nil && c.Disconnected() {
		err = errShimClosed
	}
	if err != nil {
		reason := t.reason
		if reason == failNone {
			reason = classifyHandshakeError(err)
		}
		st.failed[reason].Add(1)
		c.ch.Loop().Logger().Debug("tcp: tls: handshake", "conn", c.Name(), "err", err)
		if f := t.owner.clientFailed; f != nil {
			if reason == failTimeout {
				err = fmt.Errorf("%w (timeout %v)", err, t.owner.timeout)
			}
			f(fmt.Errorf("tls handshake with %s: %w", c.peer, err))
		}
		if c.Disconnected() {
			return
		}
		if f := t.owner.onFailure; f != nil {
			if reply := f(c.peer, err); len(reply) > 0 {
				c.writeInLoop(reply)
			}
		}
		c.closeAfterOutput()
		return
	}
	st.handshakes.Add(1)
	if t.conn.ConnectionState().DidResume {
		st.resumed.Add(1)
	}
	t.rc.live = true
	t.announced = true
	t.done.Store(true)
	rest, eof := t.rc.takeInput()
	if cb := c.cfg.cb.Connection; cb != nil {
		cb(c)
	}
	if p := t.pending; len(p) > 0 && !c.Disconnected() {
		t.pending = nil
		c.tlsSend(p)
	}
	if t.shutdown && !c.Disconnected() {
		c.shutdownInLoop()
	}
	if !c.Disconnected() {
		// Always: crypto/tls may hold records it read past the handshake's
		// last message, even when nothing is left here.
		c.tlsDecrypt(rest, eof)
	}
	if t.inputPaused {
		t.inputPaused = false
		if c.reading && !c.peerClosed && !c.Disconnected() {
			_ = c.ch.EnableReading()
		}
	}
}

// classifyHandshakeError names why a handshake failed, for TLSStats.
func classifyHandshakeError(err error) failReason {
	var rh tls.RecordHeaderError
	var op *net.OpError
	switch {
	case errors.As(err, &rh):
		return failNotTLS
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failPeerClosed
	case errors.Is(err, errShimClosed):
		return failClosed
	case errors.As(err, &op) && op.Op == "remote error":
		return failAlert
	}
	return failProtocol
}

// tlsSend encrypts p and sends the records. Before the handshake is done
// (a client's first request) p is kept and sent right after it; behind a
// queued file transfer it is held, to be encrypted after the file's bytes
// (see sendfile_tls.go).
func (c *Conn) tlsSend(p []byte) {
	t := c.tls
	if c.Disconnected() {
		return
	}
	if !t.announced {
		t.pending = append(t.pending, p...)
		return
	}
	if x := c.extra.Load(); x != nil && len(x.files.items) > 0 {
		x.tlsHeld = append(x.tlsHeld, p...)
		x.files.tail += len(p)
		return
	}
	c.tlsEncrypt(p)
}

// tlsEncrypt encrypts p now and sends (or queues) the records.
func (c *Conn) tlsEncrypt(p []byte) {
	t := c.tls
	s := c.tlsScratch()
	for len(p) > 0 && !c.Disconnected() {
		n := min(len(p), tlsWriteChunk)
		// crypto/tls's Write is opaque to escape analysis: handing it p
		// made every Send's and Sendv's bytes escape, on plain
		// connections too (websocket's on-stack frame header became an
		// allocation per message). A copy into the loop's scratch keeps
		// the callers' bytes where they are.
		chunk := append(s.chunk[:0], p[:n]...)
		s.chunk = chunk[:0]
		if _, err := t.conn.Write(chunk); err != nil {
			// Only after close_notify: the connection is shutting down.
			c.ch.Loop().Logger().Debug("tcp: tls: write", "conn", c.Name(), "err", err)
			*t.rc.out = (*t.rc.out)[:0]
			return
		}
		p = p[n:]
		c.tlsFlush()
	}
}

// tlsSendv sends the slices as one message: small ones are coalesced into
// one record, as writev would put them in one segment.
func (c *Conn) tlsSendv(bufs [][]byte) {
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if total > tlsWriteChunk || !c.tls.announced {
		for _, b := range bufs {
			c.tlsSend(b)
		}
		return
	}
	s := c.tlsScratch()
	plain := s.plain[:0]
	for _, b := range bufs {
		plain = append(plain, b...)
	}
	s.plain = plain[:0]
	c.tlsSend(plain)
}

func (c *Conn) tlsScratch() *tlsScratch {
	if c.set != nil {
		return &c.set.tlsScratch
	}
	return &c.tls.owner.scratch
}

// tlsFlush sends the records a tls.Conn call wrote into the loop's record
// buffer.
func (c *Conn) tlsFlush() {
	out := c.tls.rc.out
	if len(*out) == 0 {
		return
	}
	c.writeInLoop(*out)
	*out = (*out)[:0]
}

// tlsCloseNotify is shutdownInLoop's TLS step: it sends close_notify
// before the FIN and reports whether the shutdown may go on (nothing left
// queued). A server's handshake in progress is abandoned; a client's
// Shutdown waits for its handshake, so its first request still goes out.
func (c *Conn) tlsCloseNotify() bool {
	t := c.tls
	if !t.announced {
		if t.owner.client {
			t.shutdown = true
		} else {
			t.reason = failClosed
			c.handleClose()
		}
		return false
	}
	if err := t.conn.CloseWrite(); err != nil {
		c.ch.Loop().Logger().Debug("tcp: tls: close_notify", "conn", c.Name(), "err", err)
	}
	c.tlsFlush()
	return !c.ch.IsWriting() && !c.Disconnected()
}

// tlsClosed runs in handleClose: it ends a handshake in progress (its
// goroutine's Read returns) and stops the handshake timer.
func (c *Conn) tlsClosed() {
	t := c.tls
	_ = t.rc.Close()
	t.pending = nil
	if !t.announced {
		c.ch.Loop().Cancel(t.timer)
		if !t.started && t.handshaking {
			// Never submitted: no tlsHandshakeDone will count it.
			t.handshaking = false
			t.owner.stats.inProgress.Add(-1)
			reason := t.reason
			if reason == failNone {
				reason = failClosed
			}
			t.owner.stats.failed[reason].Add(1)
		}
	}
}
