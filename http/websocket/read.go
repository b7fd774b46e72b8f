package websocket

import (
	"unsafe"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/valyala/bytebufferpool"
)

// onData parses the frames in in, on the connection's loop. A frame's
// payload is unmasked in place in the input buffer as it arrives, and a
// text message is validated as it arrives, so a bad one fails at its
// first invalid byte; a whole unfragmented, uncompressed message is
// handed to OnMessage straight from the input buffer.
func (c *Conn) onData(in *buffer.Buffer) {
	c.lastRead = c.tc.Loop().Now().UnixNano()
	for !c.discard {
		if !c.hdrOK {
			h, ok, err := parseHeader(in.Peek())
			if err != nil {
				c.failWith(err)
				return
			}
			if !ok {
				return
			}
			if err := c.checkHeader(&h); err != nil {
				c.failWith(err)
				return
			}
			in.Retrieve(h.size)
			c.hdr, c.hdrOK, c.done = h, true, 0
			if !c.msgStream && c.startsStream(&h) && !c.beginStream() {
				return
			}
		}
		h := &c.hdr
		if c.msgStream && h.opcode < opClose {
			if !c.streamPayload(in) {
				return
			}
			continue
		}
		b := in.Peek()
		avail := len(b)
		if int64(avail) > h.length {
			avail = int(h.length)
		}
		if avail > c.done {
			fresh := b[c.done:avail]
			if h.masked {
				maskBytes(h.key, c.done, fresh)
			}
			if h.opcode < opClose && c.msgType == opText && !c.msgDeflate {
				if c.utf8 = c.utf8.feed(fresh); c.utf8 == utf8Bad {
					c.failWith(errInvalidUTF8)
					return
				}
			}
			c.done = avail
		}
		if int64(avail) < h.length {
			return // the rest of the payload is still to come
		}
		c.hdrOK = false
		c.frame(b[:avail])
		in.Retrieve(avail)
	}
	in.RetrieveAll()
}

// checkHeader applies the connection's rules to a parsed header: masking
// by direction, reserved bits by extension, the message in progress, the
// size limit. It starts a new data message.
func (c *Conn) checkHeader(h *frameHeader) error {
	if h.masked == c.client {
		if c.client {
			return errMaskForbidden
		}
		return errMaskRequired
	}
	limit := int64(c.opts.maxMessage())
	switch h.opcode {
	case opText, opBinary:
		if c.msgType != 0 {
			return errExpectedCont
		}
		if h.rsv1 && c.deflate == nil {
			return errReservedBits
		}
		if h.length > limit {
			return errMessageTooBig
		}
		c.msgType, c.msgDeflate, c.msgSize, c.utf8 = h.opcode, h.rsv1, 0, 0
	case opContinuation:
		if c.msgType == 0 {
			return errContinuation
		}
		if h.rsv1 {
			if c.deflate == nil {
				return errReservedBits
			}
			return errCompressedCtl
		}
		if int64(c.msgSize)+h.length > limit {
			return errMessageTooBig
		}
	default: // control frames
		if h.rsv1 {
			if c.deflate == nil {
				return errReservedBits
			}
			return errCompressedCtl
		}
	}
	return nil
}

// frame handles a complete, unmasked frame whose payload is p (valid only
// during the call).
func (c *Conn) frame(p []byte) {
	h := &c.hdr
	switch h.opcode {
	case opPing:
		_ = c.send(opPong, p)
		if c.opts.OnPing != nil && !c.discard {
			c.opts.OnPing(c, p)
		}
	case opPong:
		if c.opts.OnPong != nil && !c.discard {
			c.opts.OnPong(c, p)
		}
	case opClose:
		c.peerClose(p)
	default:
		c.data(p, h.fin)
	}
}

// data handles a data frame of the message in progress.
func (c *Conn) data(p []byte, fin bool) {
	c.msgSize += len(p)
	if fin && c.msg == nil && !c.msgDeflate {
		// The whole message in one frame: straight from the input.
		if c.msgType == opText && !c.utf8.complete() {
			c.failWith(errInvalidUTF8)
			return
		}
		typ := MessageType(c.msgType)
		c.releaseMessage()
		c.deliver(typ, p)
		return
	}
	if c.msg == nil {
		c.msg = bytebufferpool.Get()
	}
	c.msg.B = append(c.msg.B, p...)
	if !fin {
		return
	}
	typ, msg := MessageType(c.msgType), c.msg
	c.msg = nil
	defer bytebufferpool.Put(msg)
	payload := msg.B
	if c.msgDeflate {
		out := bytebufferpool.Get()
		defer bytebufferpool.Put(out)
		if err := c.deflate.decompress(out, msg.B, c.opts.maxMessage()); err != nil {
			c.failWith(err)
			return
		}
		payload = out.B
		if typ == TextMessage {
			c.utf8 = c.utf8.feed(payload)
		}
	}
	if typ == TextMessage && !c.utf8.complete() {
		c.failWith(errInvalidUTF8)
		return
	}
	c.releaseMessage()
	c.deliver(typ, payload)
}

func (c *Conn) deliver(typ MessageType, p []byte) {
	c.wmu.Lock()
	closing := c.closeSent
	c.wmu.Unlock()
	if closing || c.opts.OnMessage == nil {
		return // after our close frame, data is read and dropped (RFC 6455 1.4)
	}
	c.opts.OnMessage(c, typ, p)
}

// peerClose handles the peer's close frame: checks it, answers it unless
// this side closed first, and lets the TCP connection close.
func (c *Conn) peerClose(p []byte) {
	code, reason := CloseNoStatus, ""
	switch {
	case len(p) == 1:
		c.failWith(errCloseLength)
		return
	case len(p) >= 2:
		code = int(p[0])<<8 | int(p[1])
		if !validCloseCode(code) {
			c.failWith(errCloseCode)
			return
		}
		if !validUTF8(p[2:]) {
			c.failWith(errCloseReason)
			return
		}
		reason = string(p[2:])
	}
	c.gotClose, c.discard = true, true
	c.closeCode, c.closeText = code, reason
	c.releaseMessage()
	// Echo the code (RFC 6455 5.5.1); a close without one is answered
	// without one. ErrClosed means this side closed first.
	var echo []byte
	if code != CloseNoStatus {
		echo = p[:2]
	}
	_ = c.send(opClose, echo)
	c.finish()
}

// finish ends the TCP connection after the close handshake: a server
// closes it once its output is sent (RFC 6455 7.1.1); a client waits for
// the server to, for at most the close timeout.
func (c *Conn) finish() {
	c.flushPending() // Shutdown refuses later sends: frames queued go now
	if !c.client {
		c.tc.Shutdown()
	}
	c.closeTimer()
}

// failWith fails the connection (RFC 6455 7.1.7) for a protocol error.
func (c *Conn) failWith(err error) {
	code := CloseProtocolError
	switch err {
	case errInvalidUTF8, errCloseReason:
		code = CloseInvalidPayload
	case errMessageTooBig:
		code = CloseMessageTooBig
	}
	c.fail(code, err.Error()[len("websocket: "):])
}

// fail sends a close frame with code (unless one was sent), stops
// reading, and closes the TCP connection once the frame is out.
func (c *Conn) fail(code int, reason string) {
	if c.discard {
		return
	}
	c.discard = true
	c.releaseMessage()
	if len(reason) > maxControlPayload-2 {
		reason = reason[:maxControlPayload-2]
	}
	if c.closeCode == 0 {
		c.closeCode, c.closeText = code, reason
	}
	_ = c.send(opClose, closePayload(code, reason))
	c.flushPending()
	c.tc.Shutdown()
	c.closeTimer()
}

func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
