package http

import (
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrFinished is returned by writes to a response that has been finished.
var ErrFinished = errors.New("http: response already finished")

// ErrConnClosed is returned by writes to a response whose connection has
// closed (the client went away).
var ErrConnClosed = errors.New("http: connection closed")

// ResponseWriter builds the response to one request.
//
// A handler that returns without calling Detach has its response finished
// for it: the status (200 unless WriteHeader said otherwise), the headers,
// a Content-Length computed from what was written, and the body, all
// appended to the connection's output in one piece - with pipelining, the
// responses to every request of one read go out in one write.
//
// Flush sends what has been written so far and switches the response to
// chunked transfer coding (HTTP/1.0 clients get no length and a close).
//
// A ResponseWriter is used by the goroutine running the handler (the loop)
// until the handler returns; after Detach, by the goroutine it was handed
// to, until Finish. It is reused for later requests, so it must not be
// kept after the response is finished.
type ResponseWriter struct {
	mu     sync.Mutex // a detached writer's state against the loop building its bytes
	c      *conn
	slot   *slot // pipeline position when queued or detached; nil: batch
	header Header
	body   []byte
	status int

	isHead     bool
	keepAlive  bool
	http10     bool
	headerSent bool // streaming: status and headers went out with a Flush
	chunked    bool
	finished   bool
	detached   bool
	poolOwned  bool  // detached by the worker pool, which finishes it when the handler returns
	aborted    bool  // cut short: nothing more is sent and the connection closes
	flushAsked bool  // a detached Flush was called: the head is sent or on its way
	declared   int64 // streamed body: bytes of the handler's Content-Length still due; -1: none
	written    int64 // body bytes written in total

	hijack HijackHandler // set by Hijack: no response, the connection is handed over

	// SetContentEncoder's (encode.go).
	encoder    ContentEncoder
	encoding   bool  // the encoder said yes: the body goes out encoded
	encodedLen int64 // encoded body bytes made so far

	files     []fileSegment // file runs of the body (SendFile), in order
	fileBytes int64         // their total length
	bodyAt    int           // appendFinal: where the body starts in its output

	temps atomic.Pointer[tempFiles] // files this request's forms spilled to disk; nil: none
	// For the response-finished hooks (finish.go).
	statusSet bool                   // WriteHeader chose the status
	upgrade   bool                   // the request asked for an Upgrade
	hooked    bool                   // the hooks have run
	snapped   bool                   // method, target, remote hold the request's (Detach)
	nhooks    uint8                  // used entries of hooks
	req       *Request               // the request while its views are valid; nil once detached
	start     time.Time              // the loop's time when the handler was called
	err       error                  // why the response did not end well; under mu once detached
	hooks     [2]func(*ResponseInfo) // OnFinish's, without allocating
	moreHooks []func(*ResponseInfo)
	method    string
	target    []byte
	remote    netip.AddrPort
	info      ResponseInfo // handed to the hooks

	// FinishTimeout's (response_control.go); under mu.
	timer       *time.Timer
	timeoutCode int
	timedOut    bool // the server answered in the owner's place
}

// Header returns the response's header fields, to be set before the first
// Write (after a Flush changes are ignored).
func (w *ResponseWriter) Header() *Header { return &w.header }

// WriteHeader sets the status code (default 200). It has no effect once
// the head has been flushed, and codes outside 200-999 are ignored (the
// server itself sends 100 Continue when the body is about to be read).
func (w *ResponseWriter) WriteHeader(code int) {
	if w.detached {
		w.mu.Lock() // a Flush may be building the head on the loop
		defer w.mu.Unlock()
	}
	if w.headerSent || code < 200 || code > 999 {
		return
	}
	w.status = code
	w.statusSet = true
}

// Status returns the response's status code: the one WriteHeader set, or
// 200 by default, or the server's 500 for a handler that panicked before
// sending anything.
//
// A response still being made elsewhere - detached (Detach, an adapted
// net/http handler) and not yet finished - has no status until its owner
// sets one: Status then returns 0 (not a guessed 200), so a middleware
// that reads it after calling the next handler never logs a wrong status.
// (On the worker pool a handler that does not detach is finished when it
// returns, as on the loop: Status there is as for an inline response.) The final status of every response, however it is made,
// is what ResponseInfo.Status reports to OnFinish and WithResponseHook
// hooks, which is what access logs and metrics should use.
func (w *ResponseWriter) Status() int {
	if !w.detached {
		return w.status
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.statusSet || w.finished || w.poolOwned {
		return w.status
	}
	return 0
}

// Write appends p to the body. It never fails before Finish unless the
// connection has closed.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.detached {
		w.mu.Lock() // against FinishTimeout finishing it on the loop
		defer w.mu.Unlock()
	}
	if w.finished {
		return 0, ErrFinished
	}
	if w.c.isClosed() {
		return 0, ErrConnClosed
	}
	w.body = append(w.body, p...)
	w.written += int64(len(p))
	return len(p), nil
}

// WriteString appends s to the body.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	// Write only reads p, so a view of s's bytes is enough: no copy.
	return w.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Body returns the body bytes written since the last Flush (an alias of
// the writer's storage, for handlers that encode in place).
func (w *ResponseWriter) Body() []byte { return w.body }

// SetBody replaces the unflushed body with b (the writer takes ownership).
func (w *ResponseWriter) SetBody(b []byte) {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.finished {
			return
		}
	}
	w.written += int64(len(b) - len(w.body))
	w.body = b
}

// Close marks the response as the last on its connection: it carries
// "Connection: close" and the connection closes after it is sent.
func (w *ResponseWriter) Close() {
	if w.detached {
		w.mu.Lock() // a Flush may be building the head on the loop
		defer w.mu.Unlock()
	}
	w.keepAlive = false
}

// reset prepares w for a request on c.
func (w *ResponseWriter) reset(c *conn, r *Request) {
	w.c = c
	w.slot = nil
	w.header.reset()
	w.body = w.body[:0]
	w.status = StatusOK
	w.isHead = r.methodID == mHEAD
	w.keepAlive = r.KeepAlive() && !c.draining && !c.closeAfter
	major, minor := r.Proto()
	w.http10 = major == 1 && minor == 0
	w.headerSent, w.chunked, w.finished, w.detached, w.poolOwned, w.aborted = false, false, false, false, false, false
	w.flushAsked = false
	w.declared = -1
	w.written = 0
	w.hijack = nil
	if w.encoder != nil { // a response that ended on a path that kept it
		w.releaseEncoder()
	}
	if len(w.files) > 0 {
		w.dropFiles(ErrConnClosed) // a response that was never emitted
	}
	if w.temps.Load() != nil {
		w.temps.Store(nil)
	}
	r.rw = w
	w.statusSet, w.hooked, w.snapped = false, false, false
	w.upgrade = r.IsUpgrade()
	w.req = r
	w.start = c.ls.loop.Now()
	w.err = nil
	if w.nhooks != 0 || len(w.moreHooks) != 0 { // a response whose hooks never ran
		w.hooks = [len(w.hooks)]func(*ResponseInfo){}
		clear(w.moreHooks)
		w.nhooks, w.moreHooks = 0, w.moreHooks[:0]
	}
}

// appendHead appends the status line and header section. contentLength < 0
// means the length is not known (streaming).
func (w *ResponseWriter) appendHead(dst []byte, contentLength int64) []byte {
	ls := w.c.ls
	h := &w.header
	if w.status == StatusOK && h.special&(specialServer|specialDate) == 0 {
		dst = append(dst, ls.okHead...) // the three below in one piece
	} else {
		dst = appendStatusLine(dst, w.status)
		if ls.srv.serverName != "" && !h.has(specialServer) {
			dst = append(dst, ls.srv.serverHeader...)
		}
		if !h.has(specialDate) {
			dst = append(dst, ls.date...)
		}
	}
	// HEAD: a Content-Length the handler set without writing a body is
	// the length GET would send (RFC 9110 9.3.2); keep it.
	headLength := w.isHead && contentLength <= 0 && h.has(specialContentLength)
	// A body streamed with Flush whose length the handler declared goes
	// out with that length rather than chunked, as net/http does (a
	// client can show progress, a Range response keeps its length).
	streamLength := contentLength < 0 && !w.isHead && bodyAllowed(w.status) && h.has(specialContentLength) &&
		w.declareLength(h.Get("Content-Length"))
	// The framing fields are the server's: drop what a handler set. The
	// common response set none, and this costs one bit test.
	if h.special&(specialTransferEncoding|specialContentLength|specialConnection) != 0 {
		h.Del("Transfer-Encoding")
		if !headLength && !streamLength {
			h.Del("Content-Length")
		}
		h.Del("Connection")
	}
	dst = h.appendTo(dst)
	switch {
	case !bodyAllowed(w.status), headLength, streamLength:
	case contentLength >= 0:
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, contentLength, 10)
		dst = append(dst, "\r\n"...)
	case !w.http10:
		w.chunked = true
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	default:
		// HTTP/1.0 has no chunking: the body ends when the connection does.
		w.keepAlive = false
	}
	if w.c.draining {
		// Shutdown began while this response was being made: it is the
		// connection's last.
		w.keepAlive = false
	}
	switch {
	case !w.keepAlive:
		dst = append(dst, "Connection: close\r\n"...)
	case w.http10:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// appendFinal appends whatever completes the response: the whole response
// when nothing was flushed, otherwise the last chunk.
func (w *ResponseWriter) appendFinal(dst []byte) []byte {
	if w.aborted {
		w.releaseEncoder()
		if len(w.files) > 0 {
			w.dropFiles(ErrResponseAborted)
		}
		return dst
	}
	if !w.headerSent {
		// A body with file runs is never encoded (addFileSegment released
		// the encoder): its bytes do not pass through here.
		if w.encoder != nil && len(w.files) == 0 && w.startEncoding(true) { // (true at once if a FileServer asked first)
			body := w.encodePiece(w.body, true)
			dst = w.appendHead(dst, int64(len(body)))
			return append(dst, body...)
		}
		dst = w.appendHead(dst, int64(len(w.body))+w.fileBytes)
		w.bodyAt = len(dst)
		if !w.isHead && bodyAllowed(w.status) {
			dst = append(dst, w.body...)
		} else if len(w.files) > 0 {
			fileBytes := w.fileBytes
			w.dropFiles(nil) // no body: the files are not needed
			w.written += fileBytes
		}
		return dst
	}
	dst = w.appendChunk(dst, true)
	w.releaseEncoder() // a stream that was not encoded, or is cut short
	if w.chunked {
		dst = append(dst, "0\r\n\r\n"...)
	}
	if w.declared > 0 {
		// Shorter than declared: the client must see it cut short.
		w.keepAlive = false
	}
	return dst
}

// appendFlush appends the head (first time) and the body written so far as
// a chunk.
func (w *ResponseWriter) appendFlush(dst []byte) []byte {
	if len(w.files) > 0 {
		// A file body's length went into no head: a streamed response
		// can not carry it. The response is cut short.
		w.dropFiles(ErrHeadSent)
		w.aborted, w.keepAlive = true, false
		if w.err == nil {
			w.err = ErrHeadSent
		}
		return dst
	}
	if !w.headerSent {
		if w.encoder != nil {
			w.startEncoding(false)
		}
		if w.isHead {
			dst = w.appendHead(dst, -1)
			w.chunked = false
		} else {
			dst = w.appendHead(dst, -1)
		}
		w.headerSent = true
	}
	return w.appendChunk(dst, false)
}

// appendChunk appends the body written since the last flush, framed; end:
// it is the body's last piece.
func (w *ResponseWriter) appendChunk(dst []byte, end bool) []byte {
	body := w.body
	if w.encoding && (len(body) > 0 || end) {
		body = w.encodePiece(body, end)
	}
	if len(body) == 0 || w.isHead || !bodyAllowed(w.status) {
		w.body = w.body[:0]
		return dst
	}
	switch {
	case w.chunked:
		dst = strconv.AppendInt(dst, int64(len(body)), 16)
		dst = append(dst, "\r\n"...)
		dst = append(dst, body...)
		dst = append(dst, "\r\n"...)
	case w.declared >= 0:
		// No more than the declared length: the excess would be read
		// as the start of the next response.
		n := min(int64(len(body)), w.declared)
		dst = append(dst, body[:n]...)
		w.declared -= n
	default:
		dst = append(dst, body...)
	}
	w.body = w.body[:0]
	return dst
}

// declareLength takes a handler's Content-Length for a streamed body.
func (w *ResponseWriter) declareLength(v string) bool {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return false
	}
	w.declared = n
	return true
}
