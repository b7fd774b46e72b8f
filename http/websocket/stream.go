package websocket

import (
	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/valyala/bytebufferpool"
)

// Streaming: with Handler.OnMessagePart set, a data message that grows
// past Options.StreamThreshold is handed over in parts as its bytes
// arrive instead of being assembled: what was assembled so far goes first,
// then each frame's payload as it is read (unmasked, text validated as it
// comes), the last part flagged. Only uncompressed messages are streamed:
// a compressed message's size is known only once it is inflated, so it is
// assembled, inflated (bounded by MaxMessageSize) and delivered whole.

// startsStream reports whether the data frame h, just parsed, makes the
// message in progress a streamed one. Loop only.
func (c *Conn) startsStream(h *frameHeader) bool {
	if c.opts.OnMessagePart == nil || h.opcode >= opClose || c.msgDeflate || c.msgType == 0 {
		return false
	}
	return int64(c.msgSize)+h.length > int64(c.opts.streamThreshold())
}

// beginStream switches the message in progress to streaming: the part
// assembled from its earlier fragments, if any, is delivered first. It
// returns false when the connection failed meanwhile. Loop only.
func (c *Conn) beginStream() bool {
	c.msgStream = true
	if c.msg == nil {
		return true
	}
	msg := c.msg
	c.msg = nil
	c.deliverPart(msg.B, false)
	bytebufferpool.Put(msg)
	return !c.discard
}

// streamPayload hands the current frame's payload to OnMessagePart as it
// arrives and consumes it from in; false when the frame is not complete
// yet or the connection failed. Loop only.
func (c *Conn) streamPayload(in *buffer.Buffer) bool {
	h := &c.hdr
	b := in.Peek()
	n := len(b)
	if rest := h.length - int64(c.done); int64(n) > rest {
		n = int(rest)
	}
	p := b[:n]
	if h.masked {
		maskBytes(h.key, c.done, p)
	}
	c.done += n
	c.msgSize += n
	final := h.fin && int64(c.done) == h.length
	if c.msgType == opText {
		if c.utf8 = c.utf8.feed(p); c.utf8 == utf8Bad || final && !c.utf8.complete() {
			c.failWith(errInvalidUTF8)
			return false
		}
	}
	if n > 0 || final {
		c.deliverPart(p, final)
	}
	in.Retrieve(n)
	if c.discard || int64(c.done) < h.length {
		return false
	}
	c.hdrOK = false
	if final {
		c.releaseMessage()
	}
	return true
}

// deliverPart calls OnMessagePart, unless this side has sent its close
// frame (data is then read and dropped, as for whole messages).
func (c *Conn) deliverPart(p []byte, last bool) {
	c.wmu.Lock()
	closing := c.closeSent
	c.wmu.Unlock()
	if !closing {
		c.opts.OnMessagePart(c, MessageType(c.msgType), p, last)
	}
}
