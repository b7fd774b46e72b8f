package http

// ContentEncoder encodes a response's body on its way to the client: a
// content coding such as gzip or zstd (RFC 9110 8.4.1). A middleware
// installs one for a response with ResponseWriter.SetContentEncoder before
// the handler writes (middleware.Compress does); the server calls it when
// it builds the response's bytes, so an inline, detached, worker-pool or
// adapted (Adapt) response is encoded the same way, a streamed one (Flush)
// as it leaves, and the encoder's state is held only while the response
// is being sent.
//
// Its methods are called on the connection's event loop (for a detached
// response, with the writer's lock held: they must not call the writer's
// methods), in this order: StartEncoding at most once, when the head is
// about to be built; AppendEncoded for each piece of the body when
// StartEncoding said to encode, the last one with end set; then
// ReleaseEncoder exactly once. A response that has no body (HEAD, 1xx,
// 204, 304), is cut short (Abort, a panic), hijacked, or whose client went
// away gets only ReleaseEncoder. (A detached response whose owner never
// calls Finish never releases its encoder: the garbage collector takes it.)
type ContentEncoder interface {
	// StartEncoding decides whether to encode the body, from the final
	// status and header fields and the body written so far; whole reports
	// whether that is the entire body (the response is being finished)
	// rather than the start of a stream (the first Flush). When it
	// returns true it has set the fields that say so (Content-Encoding,
	// and whatever changes with it: ETag, Accept-Ranges, Vary); the
	// server then drops any Content-Length and frames the body by its
	// encoded length (whole) or as chunks.
	StartEncoding(status int, h *Header, body []byte, whole bool) bool
	// AppendEncoded appends the encoding of p to dst and returns the
	// extended slice. With end, p is the body's last piece (possibly
	// empty): the encoding is completed. Without, everything appended so
	// far must be decodable by the client up to p's end (a sync flush),
	// since it is sent at once (a Flush).
	AppendEncoded(dst, p []byte, end bool) []byte
	// ReleaseEncoder tells the encoder that the response no longer needs
	// it (it may go back to a pool).
	ReleaseEncoder()
}

// SetContentEncoder installs e to encode the body of this response (see
// ContentEncoder); nil removes the one installed. An encoder replaced or
// removed, or installed once the head has been sent (when it is too late
// to say Content-Encoding), is released at once. From the goroutine that
// owns w.
func (w *ResponseWriter) SetContentEncoder(e ContentEncoder) {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	old := w.encoder
	w.encoder = nil
	if old != nil && !w.encoding {
		old.ReleaseEncoder()
	} else if old != nil {
		w.encoder = old // already encoding the body: keep it to its end
	}
	if e == nil {
		return
	}
	if w.encoder != nil || w.headerSent || w.flushAsked || w.finished || w.hijack != nil {
		e.ReleaseEncoder()
		return
	}
	w.encoder = e
}

// maxEncodeScratch bounds the loop's scratch buffer for encoded bodies kept
// between responses: a rare huge body does not pin its size for good.
const maxEncodeScratch = 1 << 20

// startEncoding asks the encoder, if any, whether to encode the body about
// to be framed (whole: all of it), once: later calls report the answer.
// Loop only (for a detached writer, under mu).
//
// A handler of this package that sends a body other than through w.body
// (a file by sendfile) must ask first, with Content-Type and
// Content-Length set and whole false: when it reports true, the body has
// to go through Write (it is encoded as it is flushed or finished, and
// the Content-Length was dropped); when false, the encoder is released
// and the body may go out as it is.
func (w *ResponseWriter) startEncoding(whole bool) bool {
	if w.encoding {
		return true
	}
	e := w.encoder
	if e == nil {
		return false
	}
	if w.isHead || !bodyAllowed(w.status) || w.aborted {
		w.releaseEncoder()
		return false
	}
	if !e.StartEncoding(w.status, &w.header, w.body, whole) {
		w.releaseEncoder()
		return false
	}
	// The framing is the server's: an encoded body has another length.
	w.header.Del("Content-Length")
	w.encoding = true
	w.encodedLen = 0
	return true
}

// encodePiece returns the encoding of p (end: the body's last piece) in
// the loop's scratch buffer, valid until the next call on this loop.
func (w *ResponseWriter) encodePiece(p []byte, end bool) []byte {
	ls := w.c.ls
	out := w.encoder.AppendEncoded(ls.coded[:0], p, end)
	if cap(out) <= maxEncodeScratch {
		ls.coded = out[:0]
	} else {
		ls.coded = nil
	}
	w.encodedLen += int64(len(out))
	if end {
		w.releaseEncoder()
		w.written = w.encodedLen // what the hooks report: the bytes sent
	}
	return out
}

// releaseEncoder gives the encoder back, once.
func (w *ResponseWriter) releaseEncoder() {
	if e := w.encoder; e != nil {
		w.encoder, w.encoding = nil, false
		e.ReleaseEncoder()
	}
}
