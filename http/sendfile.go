package http

import (
	"errors"
	"io"
	"os"
)

// Response bodies from files. A response's body is the bytes written to
// it with runs of file bytes in between, each recorded at the body offset
// where it goes (a fileSegment). When the response is emitted its bytes go
// through the connection's output as usual and each file run is handed to
// tcp.Conn.SendFileFunc (sendfile(2) from the loop) or SendReader at its
// place, so the bytes of the responses pipelined after it wait for the
// file's last byte in the connection's own queue: no goroutine, no buffer
// holding the file.

// ErrHeadSent is returned by SendFile and SendReader once the head went
// out (after a Flush): a file body needs the Content-Length in the head.
var ErrHeadSent = errors.New("http: SendFile after the head was sent")

// fileSegment is a run of file bytes in a response body.
type fileSegment struct {
	at   int      // body offset (in ResponseWriter.body, then in a slot's buf)
	file *os.File // sendfile(2) source; nil: copy from r
	r    io.Reader
	off  int64
	n    int64
	done func(error)
}

func (s *fileSegment) release(err error) {
	if f := s.done; f != nil {
		s.done = nil
		f(err)
	}
}

// SendFile adds count bytes of f, from offset, to the response body, after
// what was written so far and before what is written next. The response
// gets a Content-Length covering them, and the bytes go from the page
// cache to the socket by sendfile(2) on the connection's loop when the
// response's turn comes (see tcp.Conn.SendFile). The server owns f from
// the call on and closes it once the bytes are sent or no longer needed
// (HEAD, a 304, a reset response, a client gone), and at once when
// SendFile returns an error: ErrHeadSent after a Flush, ErrFinished,
// ErrConnClosed. f's own offset is not used. From the goroutine that owns
// w.
func (w *ResponseWriter) SendFile(f *os.File, offset, count int64) error {
	return w.SendFileFunc(f, offset, count, func(error) { _ = f.Close() })
}

// SendFileFunc is SendFile for a file the caller keeps open (shared by
// many responses, as a cache of open files does): done is called exactly
// once, on the connection's loop or before SendFileFunc returns an error,
// when the server no longer needs f (nil: every byte was sent). done must
// not block; it may be nil.
func (w *ResponseWriter) SendFileFunc(f *os.File, offset, count int64, done func(error)) error {
	if f == nil || offset < 0 || count < 0 {
		if done != nil {
			done(os.ErrInvalid)
		}
		return os.ErrInvalid
	}
	return w.addFileSegment(fileSegment{file: f, off: offset, n: count, done: done})
}

// SendReader adds count bytes read from r to the body, copied on the loop
// as the socket takes them (for files without a descriptor, such as an
// fs.FS's). r's Read must not block. done as for SendFileFunc.
func (w *ResponseWriter) SendReader(r io.Reader, count int64, done func(error)) error {
	if r == nil || count < 0 {
		if done != nil {
			done(os.ErrInvalid)
		}
		return os.ErrInvalid
	}
	return w.addFileSegment(fileSegment{r: r, n: count, done: done})
}

func (w *ResponseWriter) addFileSegment(s fileSegment) error {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	var err error
	switch {
	case w.finished:
		err = ErrFinished
	case w.headerSent || w.flushAsked:
		err = ErrHeadSent
	case w.c.isClosed():
		err = ErrConnClosed
	}
	if err != nil {
		s.release(err)
		return err
	}
	if w.encoder != nil && !w.encoding {
		// Compress can not encode bytes that go from the page cache to
		// the socket: a file body goes out as it is (a FileServer serves
		// precompressed siblings instead).
		w.releaseEncoder()
	}
	s.at = len(w.body)
	w.files = append(w.files, s)
	w.fileBytes += s.n
	w.written += s.n
	return nil
}

// dropFiles releases the file runs of a body that will not be sent (or
// not as recorded: a body reset, a HEAD, an aborted response).
func (w *ResponseWriter) dropFiles(err error) {
	for i := range w.files {
		w.files[i].release(err)
		w.files[i] = fileSegment{}
	}
	w.files = w.files[:0]
	w.written -= w.fileBytes
	w.fileBytes = 0
}

// emitWithFiles hands a response whose body has file runs to the
// connection: p is its bytes (head and written body), body the offset in
// p where the body starts. With s nil the response belongs to the batch
// (it flushes the batch before each file); otherwise to its slot.
func (c *conn) emitWithFiles(s *slot, w *ResponseWriter, p []byte, body int) {
	prev := 0
	for i := range w.files {
		seg := w.files[i]
		w.files[i] = fileSegment{}
		at := body + seg.at
		switch {
		case s == nil:
			c.ls.out = append(c.ls.out, p[prev:at]...)
			c.flushBatch()
			c.sendSegment(seg)
		case s == c.head:
			c.slotWriteFinal(s, p[prev:at])
			c.sendSegment(seg)
		default:
			s.buf = append(s.buf, p[prev:at]...)
			s.final = true
			seg.at = len(s.buf)
			s.files = append(s.files, seg)
		}
		prev = at
	}
	w.files = w.files[:0]
	w.fileBytes = 0
	if s == nil {
		c.ls.out = append(c.ls.out, p[prev:]...)
	} else {
		c.slotWriteFinal(s, p[prev:])
	}
}

// sendSegment queues a file run on the connection (it releases it when
// the connection refuses).
func (c *conn) sendSegment(seg fileSegment) {
	if c.isClosed() {
		seg.release(ErrConnClosed)
		return
	}
	c.ls.stats.counts.bytesOut += uint64(seg.n)
	if seg.file != nil {
		_ = c.tc.SendFileFunc(seg.file, seg.off, seg.n, seg.done)
	} else {
		_ = c.tc.SendReader(seg.r, seg.n, seg.done)
	}
}

// sendSlotBuf sends a slot's buffered bytes with its file runs in place.
func (c *conn) sendSlotBuf(h *slot) {
	prev := 0
	for i := range h.files {
		seg := h.files[i]
		h.files[i] = fileSegment{}
		c.send(h.buf[prev:seg.at])
		c.sendSegment(seg)
		prev = seg.at
	}
	h.files = nil
	if prev < len(h.buf) {
		c.send(h.buf[prev:])
	}
}

// releaseSlotFiles releases the file runs of slots that will never be
// sent (dropped behind a final response, or the connection closed).
func releaseSlotFiles(s *slot) {
	for ; s != nil; s = s.next {
		for i := range s.files {
			s.files[i].release(ErrConnClosed)
		}
		s.files = nil
	}
}

// sendingProgress reports that the connection is sending file bytes and
// its client took some since the last idle deadline passed: a large file
// to a slow reader may take longer than the idle timeout, but a client
// that stops reading is still cut off one timeout later.
func (c *conn) sendingProgress() bool {
	left := c.tc.QueuedFileBytes()
	if left == 0 {
		return false
	}
	r := c.rareState()
	if r.fileLeft == left {
		return false
	}
	r.fileLeft = left
	return true
}

// SendsFiles reports whether the body has runs of file bytes (SendFile,
// SendFileFunc, SendReader). Their bytes are not in Body: a middleware
// that rewrites the body (compression, a checksum) must leave such a
// response alone. From the goroutine that owns w.
func (w *ResponseWriter) SendsFiles() bool {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	return len(w.files) > 0
}
