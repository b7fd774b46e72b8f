package tcp

import (
	"io"
)

// File transfers on a TLS connection. sendfile(2) can not be used: the
// bytes must be encrypted (kernel TLS, which would allow it, is not
// available here). So a transfer is read and encrypted a chunk
// (copyChunk) at a time, when the records before it have been handed to
// the kernel: the output buffer holds at most about one chunk of the
// file's records, however large the file.
//
// Order. Records are numbered as they are made, so bytes must be
// encrypted in the order they are sent. While a transfer is queued, the
// plaintext sent behind it (Send, Sendv) is not encrypted but held in
// connExtra.tlsHeld; each transfer's gap counts the held bytes that go
// before it, and fileQueue.tail those after the last one, as on the plain
// path the gaps count output-buffer bytes. Everything sent before the
// first transfer was encrypted already and sits in the output buffer
// ahead of the file's records.

// sendTransferTLS queues t on a TLS connection (loop only). Before the
// handshake is done (a client's SendFile with its first request) there
// is nowhere to hold bytes in order but the handshake's pending
// plaintext, so the transfer is read into it at once.
func (c *Conn) sendTransferTLS(t *transfer) {
	if t.fd >= 0 {
		t.r = io.NewSectionReader(t.file, t.off, t.left)
		t.fd = -1
	}
	if !c.tls.announced {
		c.readTransferIntoPending(t)
		return
	}
	// What was sent before is encrypted already, ahead in the output
	// buffer: a lone transfer has no held plaintext to wait for.
	c.enqueueTransfer(&c.extras().files, t, 0)
}

// writeQueuedTLS is OnWritable for a TLS connection with transfers
// queued: the records already made, then the next piece in order (held
// plaintext up to a transfer, or a chunk of the transfer) encrypted,
// until the socket is full or writeBudget bytes went out. It reports
// whether everything queued has gone out.
func (c *Conn) writeQueuedTLS(x *connExtra) (drained, ok bool) {
	q := &x.files
	budget := writeBudget
	for !c.Disconnected() {
		if n := c.out.ReadableBytes(); n > 0 {
			sent, ok := c.writeOut(n)
			if !ok {
				return false, false
			}
			budget -= sent
			if c.out.ReadableBytes() > 0 || budget <= 0 {
				return false, true // the socket is full, or the budget spent
			}
		}
		if len(q.items) == 0 {
			if len(x.tlsHeld) == 0 {
				return true, true
			}
			held := x.tlsHeld
			x.tlsHeld, q.tail = nil, 0
			c.tlsEncrypt(held)
			continue
		}
		t := q.items[0]
		switch {
		case t.gap > 0:
			c.tlsEncrypt(x.tlsHeld[:t.gap])
			x.tlsHeld = x.tlsHeld[t.gap:]
			t.gap = 0
		case t.left == 0:
			q.popFront()
			t.finish(nil)
		default:
			if !c.encryptChunk(t) {
				return false, false
			}
		}
	}
	return false, false
}

// encryptChunk reads the next chunk of t and encrypts it into the output
// buffer. It reports false when the file failed (the connection is then
// closed: the peer was promised the bytes).
func (c *Conn) encryptChunk(t *transfer) bool {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	m, err := io.ReadFull(t.r, (*buf)[:min(int64(copyChunk), t.left)])
	if m > 0 {
		// The bytes read go out even if the file ended short: the next
		// read finds nothing and ends the transfer once they have gone
		// (as on the plain path), so the peer gets all there was.
		t.left -= int64(m)
		c.tlsEncrypt((*buf)[:m])
		return true
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = ErrShortFile
	}
	c.failTransfer(t, err)
	return false
}

// readTransferIntoPending reads all of t into the handshake's pending
// plaintext (see sendTransferTLS).
func (c *Conn) readTransferIntoPending(t *transfer) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	for t.left > 0 {
		m, err := io.ReadFull(t.r, (*buf)[:min(int64(copyChunk), t.left)])
		if m > 0 {
			c.tlsSend((*buf)[:m])
			t.left -= int64(m)
		}
		if err != nil && t.left > 0 {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = ErrShortFile
			}
			c.ch.Loop().Logger().Warn("tcp: file transfer", "conn", c.Name(), "err", err)
			t.finish(err)
			c.handleClose()
			return
		}
	}
	t.finish(nil)
}
