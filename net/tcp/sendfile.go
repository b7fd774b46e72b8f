package tcp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// Sending files. A transfer is a run of bytes of a file queued in the
// connection's output stream between the bytes sent before it and those
// sent after: the output buffer keeps holding only bytes made in memory,
// and each queued transfer records how many of them (its gap) go out
// before it starts. On the epoll backend a regular file's bytes go from
// the page cache to the socket by sendfile(2), a chunk per call, resumed
// when the socket is writable again; nothing of the file passes through
// user space and no goroutine or buffer is held per transfer. Files
// sendfile(2) refuses, readers without a descriptor (SendReader) and the
// portable backend copy through a small buffer instead.

// sendChunk is the most a single sendfile(2) or copy moves, and
// writeBudget the most one writable event sends before the loop serves its
// other connections: a fast reader of a large file must not starve them.
const (
	sendChunk   = 1 << 20
	writeBudget = 4 << 20
	copyChunk   = 64 << 10
)

// ErrShortFile is what a transfer ends with when its file ends before the
// bytes it was to send: the peer was promised them, so the connection is
// closed (the file shrank under the transfer).
var ErrShortFile = errors.New("tcp: file ended before the bytes to send")

// copyBuffers are the buffers of copying transfers, shared by every loop:
// a transfer holds one only while it has bytes read and not yet sent.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyChunk); return &b }}

// transfer is one queued run of file bytes. Loop only once queued.
type transfer struct {
	file *os.File  // the source for sendfile(2); nil: copy from r
	fd   int       // file's descriptor, -1 when copying
	r    io.Reader // the source when copying
	off  int64     // next file offset (sendfile)
	left int64     // bytes still to send
	gap  int       // output-buffer bytes to send before this transfer starts
	done func(error)

	buf      *[]byte // copying: bytes read and not yet sent are (*buf)[pos:end]
	pos, end int
}

// transfers recycles transfer records: a file server sends one per
// response, and nothing refers to a transfer once it is finished.
var transfers = sync.Pool{New: func() any { return new(transfer) }}

func newTransfer() *transfer { return transfers.Get().(*transfer) }

// finish releases the transfer's source, once, and recycles the record:
// the caller must not use t afterwards.
func (t *transfer) finish(err error) {
	if t.buf != nil {
		copyBuffers.Put(t.buf)
		t.buf = nil
	}
	f := t.done
	*t = transfer{}
	transfers.Put(t)
	if f != nil {
		f(err)
	}
}

// fileQueue is a connection's queued transfers, in order. Loop only.
type fileQueue struct {
	items []*transfer
	tail  int // output-buffer bytes queued after the last transfer
}

// popFront removes the first transfer, keeping the slice's storage for
// the next (the queue is short: usually one).
func (q *fileQueue) popFront() {
	n := copy(q.items, q.items[1:])
	q.items[n] = nil
	q.items = q.items[:n]
}

// offLoopFile is a transfer sent from another goroutine: it goes out after
// the first at bytes of the off-loop queue (under connExtra.mu).
type offLoopFile struct {
	at int
	t  *transfer
}

// SendFile sends count bytes of f from offset, after every byte sent on
// the connection before the call and before every byte sent after it, as
// Send orders bytes (the same goroutine rules). The Conn owns f from the
// call on and closes it when the bytes have gone out, when the connection
// ends first, or (before returning) when it returns an error: ErrClosed
// unless the connection is connected. The call never blocks: the bytes go
// out on the loop, by sendfile(2) where the backend and file allow it, in
// chunks resumed when the socket is writable. f's own offset is neither
// used nor moved, so one file may feed several transfers. If the file
// turns out to end before offset+count, the connection is closed (the
// peer was promised the bytes). On a TLS connection (WithTLS) the bytes
// must be encrypted: they are read and encrypted a chunk at a time as the
// socket takes them, so a large file costs a chunk of memory, not its
// size (see sendTransferTLS). Safe from any goroutine.
func (c *Conn) SendFile(f *os.File, offset, count int64) error {
	return c.SendFileFunc(f, offset, count, func(error) { _ = f.Close() })
}

// SendFileFunc is SendFile for a file the caller keeps open, shared by
// many transfers (a cache of open files): the Conn does not close f but
// calls done exactly once when it no longer needs f, with nil when every
// byte went out, ErrClosed when the connection ended first, or the read or
// ErrShortFile error that ended it. done runs on the loop, or on the
// calling goroutine before SendFileFunc returns an error; it must not
// block. done may be nil. Safe from any goroutine.
func (c *Conn) SendFileFunc(f *os.File, offset, count int64, done func(error)) error {
	if f == nil || offset < 0 || count < 0 {
		err := fmt.Errorf("tcp: SendFile: bad file or range (offset %d, count %d)", offset, count)
		if done != nil {
			done(err)
		}
		return err
	}
	t := newTransfer()
	t.file, t.fd, t.off, t.left, t.done = f, int(f.Fd()), offset, count, done
	return c.queueTransfer(t)
}

// SendReader sends count bytes read from r, in order as SendFile: for a
// source without a file descriptor (an fs.FS file, a generated stream).
// The bytes are copied through a small buffer, read on the loop as the
// socket takes them, so r's Read must not block. done is called as for
// SendFileFunc (r is not closed). Safe from any goroutine.
func (c *Conn) SendReader(r io.Reader, count int64, done func(error)) error {
	if r == nil || count < 0 {
		err := fmt.Errorf("tcp: SendReader: bad reader or count %d", count)
		if done != nil {
			done(err)
		}
		return err
	}
	t := newTransfer()
	t.r, t.fd, t.left, t.done = r, -1, count, done
	return c.queueTransfer(t)
}

func (c *Conn) queueTransfer(t *transfer) error {
	if !c.Connected() {
		t.finish(ErrClosed)
		return ErrClosed
	}
	if c.ch.Loop().InLoop() {
		c.sendTransferInLoop(t)
		return nil
	}
	x := c.extras()
	x.mu.Lock()
	if !c.Connected() {
		x.mu.Unlock()
		t.finish(ErrClosed)
		return ErrClosed
	}
	c.appendOffLoopLocked(x, nil, "")
	x.offFiles = append(x.offFiles, offLoopFile{at: len(x.offLoop.B), t: t})
	x.mu.Unlock()
	return nil
}

// sendTransferInLoop starts t at once when nothing is queued before it,
// and queues what is left behind the output already queued.
func (c *Conn) sendTransferInLoop(t *transfer) {
	if c.Disconnected() {
		t.finish(ErrClosed)
		return
	}
	if c.tls != nil {
		c.sendTransferTLS(t)
		return
	}
	x := c.extras()
	q := &x.files
	if len(q.items) == 0 && c.out.ReadableBytes() == 0 && !c.ch.IsWriting() {
		if !c.pump(t, writeBudget) {
			return // failed: the connection is closing
		}
		if t.left == 0 {
			t.finish(nil)
			c.queueWriteComplete()
			return
		}
	}
	if t.left == 0 && len(q.items) == 0 && c.out.ReadableBytes() == 0 {
		t.finish(nil) // an empty transfer with nothing before it
		return
	}
	c.enqueueTransfer(q, t, c.out.ReadableBytes())
}

// enqueueTransfer appends t to q behind the bytes queued since the last
// transfer (firstGap of them when q is empty: what must go before a lone
// transfer) and watches writability to pump it.
func (c *Conn) enqueueTransfer(q *fileQueue, t *transfer, firstGap int) {
	if len(q.items) == 0 {
		t.gap = firstGap
	} else {
		t.gap = q.tail
	}
	q.tail = 0
	q.items = append(q.items, t)
	if !c.ch.IsWriting() {
		if err := c.ch.EnableWriting(); err != nil {
			c.ch.Loop().Logger().Error("tcp: enable writing", "conn", c.Name(), "err", err)
		}
	}
}

// pump sends t's bytes until the socket is full, t is done or budget bytes
// went out. It reports false when the transfer failed and the connection
// was closed (t is finished then).
func (c *Conn) pump(t *transfer, budget int) bool {
	for t.left > 0 && budget > 0 {
		want := int(min(t.left, int64(min(budget, sendChunk))))
		n, full, err := c.sendSome(t, want)
		if n > 0 {
			t.left -= int64(n)
			budget -= n
			c.countOut(n)
		}
		switch {
		case err != nil:
			c.failTransfer(t, err)
			return false
		case full:
			return true // the socket took less: wait for it to drain
		}
	}
	return true
}

// sendSome sends up to want bytes of t, by sendfile(2) or by copying. It
// reports how many went out and whether the socket is full.
func (c *Conn) sendSome(t *transfer, want int) (int, bool, error) {
	if t.fd >= 0 {
		n, err := sendfileChunk(c.ch.Fd(), t.fd, &t.off, want)
		switch {
		case err == nil && n == 0:
			return 0, false, ErrShortFile
		case err == nil:
			if c.set != nil {
				c.set.fileCount += uint64(n)
			}
			return n, n < want, nil
		case err == syscall.EAGAIN:
			return 0, true, nil
		case sendfileUnsupported(err):
			// Not a file sendfile(2) can read (or the portable
			// backend): copy it, from where it stands.
			t.r = io.NewSectionReader(t.file, t.off, t.left)
			t.fd = -1
		case err == syscall.EPIPE || err == syscall.ECONNRESET || err == syscall.ENOTCONN:
			return 0, false, &socketError{err}
		default:
			return 0, false, err
		}
	}
	if t.pos == t.end {
		if t.buf == nil {
			t.buf = copyBuffers.Get().(*[]byte)
		}
		m, err := io.ReadFull(t.r, (*t.buf)[:min(int64(copyChunk), t.left, int64(want))])
		if m == 0 && err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = ErrShortFile
			}
			return 0, false, err
		}
		t.pos, t.end = 0, m
	}
	seg := t.end - t.pos
	n, err := sendNoSignal(c.ch.Fd(), (*t.buf)[t.pos:t.end])
	if err != nil {
		if err == syscall.EAGAIN {
			return 0, true, nil
		}
		return 0, false, &socketError{err}
	}
	t.pos += n
	if t.pos == t.end {
		copyBuffers.Put(t.buf) // idle between reads: give it back
		t.buf, t.pos, t.end = nil, 0, 0
	}
	return n, n < seg, nil
}

// failTransfer ends a transfer that can not go on. A socket error is the
// peer gone (noteWriteError); a file error leaves the peer waiting for
// bytes it will never get: the connection is closed.
func (c *Conn) failTransfer(t *transfer, err error) {
	x := c.extra.Load()
	if x != nil && len(x.files.items) > 0 && x.files.items[0] == t {
		x.files.popFront()
	}
	var sockErr *socketError
	if errors.As(err, &sockErr) {
		t.finish(ErrClosed)
		c.noteWriteError(sockErr.err)
		return
	}
	c.ch.Loop().Logger().Warn("tcp: file transfer", "conn", c.Name(), "err", err)
	t.finish(err)
	c.handleClose()
}

// socketError marks an error of the socket (not of the file) in a
// transfer.
type socketError struct{ err error }

func (e *socketError) Error() string { return e.err.Error() }

// filesPending reports whether transfers are queued. Loop only.
func (c *Conn) filesPending() bool {
	x := c.extra.Load()
	return x != nil && len(x.files.items) > 0
}

// writeQueued is OnWritable for a connection with transfers queued: output
// bytes up to the first transfer, the transfer, and so on, until the
// socket is full or writeBudget bytes went out. It reports whether
// everything queued has gone out.
func (c *Conn) writeQueued(x *connExtra) (drained, ok bool) {
	q := &x.files
	budget := writeBudget
	for budget > 0 {
		if len(q.items) == 0 {
			q.tail = 0
			if c.out.ReadableBytes() == 0 {
				return true, true
			}
			if _, ok := c.writeOut(c.out.ReadableBytes()); !ok {
				return false, false
			}
			return c.out.ReadableBytes() == 0, true
		}
		t := q.items[0]
		if t.gap > 0 {
			n, ok := c.writeOut(t.gap)
			if !ok {
				return false, false
			}
			t.gap -= n
			budget -= n
			if t.gap > 0 {
				return false, true
			}
		}
		before := t.left
		if !c.pump(t, budget) {
			return false, false
		}
		budget -= int(before - t.left)
		if t.left > 0 {
			return false, true // the socket is full, or the budget spent
		}
		q.popFront()
		t.finish(nil)
	}
	return false, true
}

// writeOut sends up to n bytes from the output buffer. It reports how
// many went out, and false after a write error (handled).
func (c *Conn) writeOut(n int) (int, bool) {
	sent, err := sendNoSignal(c.ch.Fd(), c.out.Peek()[:n])
	if err != nil {
		if err == syscall.EAGAIN {
			return 0, true
		}
		c.noteWriteError(err)
		return 0, false
	}
	c.countOut(sent)
	if c.set != nil {
		c.set.queued.Add(-int64(sent))
	}
	c.out.Retrieve(sent)
	return sent, true
}

// dropFiles ends every queued transfer, and those still in the off-loop
// queue: the connection is gone. Loop only.
func (c *Conn) dropFiles() {
	x := c.extra.Load()
	if x == nil {
		return
	}
	items := x.files.items
	x.files.items, x.files.tail = nil, 0
	x.tlsHeld = nil
	for _, t := range items {
		t.finish(ErrClosed)
	}
}
