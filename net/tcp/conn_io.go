package tcp

import (
	"errors"
	"syscall"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
)

// This file is the loop side of Conn: everything here runs on c.ch.Loop().

// connectEstablished is run on the loop once the owner has created c: it
// registers the fd for reading and announces the connection.
func (c *Conn) connectEstablished() {
	c.state.Store(int32(stateConnected))
	c.reading = true
	if err := c.ch.EnableReading(); err != nil {
		c.ch.Loop().Logger().Error("tcp: register connection", "conn", c.Name(), "err", err)
		c.handleClose()
		return
	}
	c.ch.Loop().AddLoad(1)
	if c.set != nil {
		c.set.add(c)
	}
	if c.tls != nil {
		c.tlsStart() // announced once the handshake is done
		return
	}
	if cb := c.cfg.cb.Connection; cb != nil {
		cb(c)
	}
}

func (c *Conn) sendInLoop(p []byte) {
	if c.tls != nil {
		c.tlsSend(p)
		return
	}
	c.writeInLoop(p)
}

// writeInLoop sends p as it is: the plain path, and the ciphertext of a
// TLS connection.
func (c *Conn) writeInLoop(p []byte) {
	if connState(c.state.Load()) == stateDisconnected {
		return
	}
	written := 0
	if !c.ch.IsWriting() && c.out.ReadableBytes() == 0 && len(p) > 0 {
		n, err := sendNoSignal(c.ch.Fd(), p)
		c.countOut(n)
		if err != nil {
			if err != syscall.EAGAIN {
				// EPIPE/ECONNRESET: the peer is gone. The read side sees the
				// same error and closes; queueing more would be pointless.
				c.noteWriteError(err)
				return
			}
		} else {
			written = n
		}
		if written == len(p) {
			c.queueWriteComplete()
			return
		}
	}
	c.queueOutput(p[written:])
}

func (c *Conn) sendvInLoop(bufs [][]byte) {
	if c.tls != nil {
		c.tlsSendv(bufs)
		return
	}
	if connState(c.state.Load()) == stateDisconnected {
		return
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	written := 0
	if !c.ch.IsWriting() && c.out.ReadableBytes() == 0 && total > 0 {
		n, err := writevNoSignal(c.ch.Fd(), bufs)
		c.countOut(n)
		if err != nil && err != syscall.EAGAIN {
			c.noteWriteError(err)
			return
		}
		written = n
		if written == total {
			c.queueWriteComplete()
			return
		}
	}
	for _, b := range bufs {
		if written >= len(b) {
			written -= len(b)
			continue
		}
		c.queueOutput(b[written:])
		written = 0
	}
}

// queueOutput appends p to the output queue, watching writability while
// anything is queued and firing the high-water mark on the upward crossing.
func (c *Conn) queueOutput(p []byte) {
	if len(p) == 0 {
		return
	}
	old := c.out.ReadableBytes()
	if hw := c.cfg.highWater; old < hw && old+len(p) >= hw {
		if cb := c.cfg.cb.HighWaterMark; cb != nil {
			queued := old + len(p)
			c.ch.Loop().QueueInLoop(func() {
				if !c.Disconnected() { // no callback for a Conn already down
					cb(c, queued)
				}
			})
		}
	}
	c.ch.Loop().BufferPool().Get(&c.out)
	c.out.Append(p)
	if x := c.extra.Load(); x != nil && len(x.files.items) > 0 && c.tls == nil {
		x.files.tail += len(p) // behind the last queued transfer (TLS: see sendfile_tls.go)
	}
	if c.set != nil {
		c.set.queued.Add(int64(len(p)))
	}
	if !c.ch.IsWriting() {
		if err := c.ch.EnableWriting(); err != nil {
			c.ch.Loop().Logger().Error("tcp: enable writing", "conn", c.Name(), "err", err)
		}
	}
}

// queueWriteComplete schedules the WriteComplete callback. Several writes
// completing in one iteration coalesce into one call, and the functor is a
// method value made once per connection, so a request/response protocol
// that writes every response at once allocates nothing here.
func (c *Conn) queueWriteComplete() {
	if c.wcQueued || c.writeCompleteCallback() == nil {
		return
	}
	c.wcQueued = true
	if s := c.set; s != nil {
		// One functor per loop and owner runs every connection's
		// callback: a connection that only ever writes at once needs no
		// functor (nor connExtra) of its own.
		if len(s.wcPending) == 0 {
			c.ch.Loop().QueueInLoop(s.runWriteCompleteFunc())
		}
		s.wcPending = append(s.wcPending, c)
		return
	}
	x := c.extras()
	if x.wcFunc == nil {
		x.wcFunc = c.runWriteComplete
	}
	c.ch.Loop().QueueInLoop(x.wcFunc)
}

func (c *Conn) runWriteComplete() {
	c.wcQueued = false
	if c.Disconnected() || c.out.ReadableBytes() != 0 || c.filesPending() {
		return
	}
	if f := c.writeCompleteCallback(); f != nil {
		f(c)
	}
}

func (c *Conn) noteWriteError(err error) {
	c.ch.Loop().Logger().Debug("tcp: write", "conn", c.Name(), "err", err)
	// Drop what is queued: nothing more can reach the peer. Reading goes on
	// until the error or EOF closes the connection, so input that arrived
	// before the reset is still delivered.
	c.dropOutput()
	if c.ch.IsWriting() {
		_ = c.ch.DisableWriting()
	}
	if !c.reading || c.peerClosed {
		c.handleClose()
	}
}

// onReadable handles the reactor's OnReadable event (see connEvents).
// When nothing is buffered from an earlier read, the bytes are read straight into the loop's scratch and the
// message callback sees a view of it: no copy, and an idle connection owns
// no input buffer. Only a partial message left over is copied into the
// connection's own buffer.
func (c *Conn) onReadable() {
	if c.tls != nil {
		c.tlsOnReadable()
		return
	}
	loop := c.ch.Loop()
	var n int
	var err error
	if c.in.ReadableBytes() == 0 {
		scratch := loop.Scratch()
		n, err = readRaw(c.ch.Fd(), scratch)
		if n > 0 {
			c.countIn(n)
			v := loop.View()
			v.Adopt(scratch, n)
			c.deliver(v)
			if v.ReadableBytes() > 0 && !c.Disconnected() {
				loop.BufferPool().Get(&c.in)
				c.in.Append(v.Peek())
			}
			v.Release()
		}
	} else {
		n, err = readFd(&c.in, c.ch.Fd(), loop.Scratch())
		if n > 0 {
			c.countIn(n)
			c.deliver(&c.in)
			if c.in.ReadableBytes() == 0 {
				loop.BufferPool().Put(&c.in)
			}
		}
	}
	switch {
	case n > 0:
	case err == nil: // EOF: the peer closed its side
		c.handlePeerClosed()
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
	default:
		c.ch.Loop().Logger().Debug("tcp: read", "conn", c.Name(), "err", err)
		c.handleClose()
	}
}

func (c *Conn) deliver(in *buffer.Buffer) {
	if cb := c.cfg.cb.Message; cb != nil {
		cb(c, in, c.ch.Loop().Now())
		return
	}
	in.RetrieveAll()
}

// handlePeerClosed: the peer sent FIN. Its last bytes were delivered before
// this (they precede the EOF in the stream). What we still have queued goes
// out before we close, so a client that half-closes after its request still
// gets the whole response.
func (c *Conn) handlePeerClosed() {
	c.peerClosed = true
	c.reading = false
	_ = c.ch.DisableReading()
	if cb := c.cfg.cb.HalfClose; cb != nil {
		// The owner still has answers to give (calls in progress): the
		// connection stays open for writing until it calls Shutdown.
		c.holding = true
		cb(c)
		// A FIN looks the same whether the peer half-closed (and still
		// reads) or went away: the answers get HalfCloseGrace, then the
		// connection closes (and its owner's down callback runs).
		if !c.Disconnected() {
			c.ch.Loop().RunAfter(HalfCloseGrace, func() {
				if !c.Disconnected() {
					c.ForceClose()
				}
			})
		}
		return
	}
	// Nobody to answer a half-close: the connection ends once what was
	// sent before the FIN has gone out. Sends from now on are refused, and
	// those other goroutines made before join the queue first (see
	// sendOffLoop), so none is accepted and then dropped.
	c.markDisconnecting()
	c.flushOffLoop()
	if c.out.ReadableBytes() == 0 && !c.filesPending() && !c.Disconnected() {
		c.handleClose()
	}
}

// onWritable handles the reactor's OnWritable event (see connEvents).
func (c *Conn) onWritable() {
	if !c.ch.IsWriting() {
		return
	}
	if x := c.extra.Load(); x != nil && len(x.files.items) > 0 {
		var drained, ok bool
		if c.tls != nil {
			drained, ok = c.writeQueuedTLS(x)
		} else {
			drained, ok = c.writeQueued(x)
		}
		if !drained || !ok || c.Disconnected() {
			return
		}
	} else {
		n, err := sendNoSignal(c.ch.Fd(), c.out.Peek())
		if err != nil {
			if err != syscall.EAGAIN {
				c.noteWriteError(err)
			}
			return
		}
		c.countOut(n)
		if c.set != nil {
			c.set.queued.Add(-int64(n))
		}
		c.out.Retrieve(n)
		if c.out.ReadableBytes() > 0 {
			return
		}
	}
	_ = c.ch.DisableWriting()
	c.ch.Loop().BufferPool().Put(&c.out)
	c.queueWriteComplete()
	switch {
	case c.peerClosed && !c.holding:
		c.handleClose()
	case connState(c.state.Load()) == stateDisconnecting:
		c.shutdownInLoop()
	}
}

// onClose handles the reactor's OnClose event (see connEvents).
func (c *Conn) onClose() {
	if c.tls != nil {
		c.tls.peerHungUp()
	}
	c.handleClose()
}

// onError handles the reactor's OnError event (see connEvents): log
// SO_ERROR. Reading proceeds and reports the error (or EOF) itself, which
// closes the connection.
func (c *Conn) onError() {
	if err := socket.SocketError(c.ch.Fd()); err != nil {
		c.ch.Loop().Logger().Debug("tcp: socket error", "conn", c.Name(), "err", err)
	}
}

func (c *Conn) shutdownInLoop() {
	// Bytes other goroutines sent before the Shutdown go out first.
	c.flushOffLoop()
	if c.Disconnected() || c.ch.IsWriting() {
		return // onWritable calls back here once the queue drains
	}
	if c.tls != nil && !c.tlsCloseNotify() {
		return // close_notify still queued, or the handshake not done
	}
	if c.peerClosed {
		c.handleClose() // both directions are done
		return
	}
	if err := socket.ShutdownWrite(c.ch.Fd()); err != nil {
		c.ch.Loop().Logger().Debug("tcp: shutdown", "conn", c.Name(), "err", err)
	}
	if x := c.extra.Load(); x != nil && x.linger > 0 {
		linger := x.linger
		x.linger = 0
		c.ch.Loop().RunAfter(linger, func() {
			if !c.Disconnected() {
				c.handleClose()
			}
		})
	}
}

func (c *Conn) startReadInLoop() {
	if c.Disconnected() || c.peerClosed || c.reading {
		return
	}
	c.reading = true
	_ = c.ch.EnableReading()
}

func (c *Conn) stopReadInLoop() {
	if c.Disconnected() || !c.reading {
		return
	}
	c.reading = false
	_ = c.ch.DisableReading()
}

// handleClose is the single way a connection ends: unregister, tell the
// user (Connected() is false now), tell the owner, and only then release
// the buffers and close the fd, so no callback ever runs against a closed
// or reused fd.
func (c *Conn) handleClose() {
	if c.Disconnected() {
		return
	}
	c.state.Store(int32(stateDisconnected))
	if err := c.ch.Remove(); err != nil {
		c.ch.Loop().Logger().Debug("tcp: unregister", "conn", c.Name(), "err", err)
	}
	if c.set != nil {
		c.set.remove(c)
	}
	c.ch.Loop().AddLoad(-1)
	if c.tls != nil {
		c.tlsClosed()
	}
	if cb := c.cfg.cb.Connection; cb != nil && (c.tls == nil || c.tls.announced) {
		cb(c)
	}
	if f := c.cfg.onClosed; f != nil {
		f(c)
	}
	c.ch.Loop().BufferPool().Put(&c.in)
	c.dropOutput()
	_ = socket.Close(c.ch.Fd())
	c.ch.Forget()
}

// countIn adds n received bytes to the owner's counters. Before the
// message callback runs, so that the bytes behind an answer are counted in
// the iteration that sends it (published at its end, see connSet.publish).
func (c *Conn) countIn(n int) {
	if c.set != nil {
		c.set.inCount += uint64(n)
	}
}

// countOut adds n sent bytes to the owner's counters.
func (c *Conn) countOut(n int) {
	if n > 0 && c.set != nil {
		c.set.outCount += uint64(n)
	}
}

// dropOutput discards the output queue and ends the queued transfers (the
// peer is gone).
func (c *Conn) dropOutput() {
	c.dropFiles()
	if c.set != nil && c.out.ReadableBytes() > 0 {
		c.set.queued.Add(-int64(c.out.ReadableBytes()))
	}
	c.ch.Loop().BufferPool().Put(&c.out)
}

// connEvents is a Conn as its channel sees it: the reactor.Handler whose
// methods are the Conn's event handlers. A separate type keeps OnReadable
// and the others off Conn's API, where user code could call them; the
// conversion costs nothing.
type connEvents Conn

func (e *connEvents) OnReadable() { (*Conn)(e).onReadable() }
func (e *connEvents) OnWritable() { (*Conn)(e).onWritable() }
func (e *connEvents) OnClose()    { (*Conn)(e).onClose() }
func (e *connEvents) OnError()    { (*Conn)(e).onError() }
