package http

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// StreamingHandler is a Handler that wants a request's body as it arrives
// instead of complete: when the handler a request is routed to (as
// registered, under any middleware) is one, the server runs the request's
// handler chain on the loop as soon as the head is parsed, and
// r.BodyReader() delivers the (de-chunked) bytes (r.Body() is nil). The
// handler must Detach w and read the body from another goroutine; the
// connection stops reading from the client while the body holds more than
// a bounded amount, so a slow reader slows the client rather than growing
// memory. Expect: 100-continue is answered when the body is first read.
// ServeStream is how a caller hands such a handler a body of its own; the
// server calls ServeHTTP, so that the body passes through middleware.
//
// The net/http adapter (Adapt) is a StreamingHandler.
type StreamingHandler interface {
	Handler
	ServeStream(w *ResponseWriter, r *Request, body io.ReadCloser)
}

// ErrBodyAborted is the error a streamed body's Read returns when the
// client went away or sent a malformed body.
var ErrBodyAborted = errors.New("http: request body aborted")

// ErrBodyTimeout is the cause a streamed body's Read reports (wrapped in
// ErrBodyAborted) when the client stalled past the body timeout.
var ErrBodyTimeout = errors.New("http: request body timed out")

// Bounds on what a streamed body buffers between the loop and the reader.
const (
	streamHighWater = 256 << 10 // stop reading the socket above this
	streamLowWater  = 64 << 10  // resume below this
)

// bodyStream carries body bytes from the loop (producer) to the handler's
// goroutine (consumer).
type bodyStream struct {
	c    *conn
	mu   sync.Mutex
	cond sync.Cond
	buf  []byte
	err  error // io.EOF once the body is complete; set once

	needContinue bool        // send 100 Continue on first Read
	gotBytes     bool        // some of the body has come
	deadline     time.Time   // SetReadDeadline's; zero: none
	timer        *time.Timer // wakes a Read waiting at the deadline
	full         bool        // the producer paused the connection for us
	closedByUser bool

	// The loop's side, touched only on the connection's loop.
	slot      *slot           // the streamed request's response slot
	w         *ResponseWriter // its writer, while the handler holds it (detached)
	remaining int64           // Content-Length bytes still to stream
	chunked   bool
	fed       int  // decoded chunked bytes already fed
	loopFull  bool // the reader is behind: don't read the socket
}

// streamFull reports whether a streamed body's reader is behind, so the
// connection must not read more. Loop only.
func (c *conn) streamFull() bool { return c.stream != nil && c.stream.loopFull }

func newBodyStream(c *conn, needContinue bool) *bodyStream {
	s := &bodyStream{c: c, needContinue: needContinue}
	s.cond.L = &s.mu
	return s
}

// feed appends body bytes; on the loop. It reports whether the loop should
// stop reading because the reader is behind.
func (s *bodyStream) feed(p []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closedByUser || s.err != nil {
		return false // nobody will read: discard
	}
	s.buf = append(s.buf, p...)
	s.gotBytes = s.gotBytes || len(p) > 0
	s.cond.Broadcast()
	if len(s.buf) > streamHighWater {
		s.full = true
		return true
	}
	return false
}

// finish ends the stream with err (io.EOF when the body is complete).
func (s *bodyStream) finish(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

// Read implements io.Reader for the handler's goroutine.
func (s *bodyStream) Read(p []byte) (int, error) {
	s.mu.Lock()
	if s.needContinue {
		s.needContinue = false
		c := s.c
		c.ls.loop.RunInLoop(c.sendContinue)
	}
	for len(s.buf) == 0 && s.err == nil {
		if !s.deadline.IsZero() && !time.Now().Before(s.deadline) {
			s.mu.Unlock()
			return 0, fmt.Errorf("http: request body read: %w", os.ErrDeadlineExceeded)
		}
		s.cond.Wait()
	}
	if len(s.buf) == 0 {
		err := s.err
		s.mu.Unlock()
		return 0, err
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	if len(s.buf) == 0 {
		s.buf = nil // let a large burst's array go
	}
	resume := s.full && len(s.buf) < streamLowWater
	if resume {
		s.full = false
	}
	s.mu.Unlock()
	if resume {
		c := s.c
		c.ls.loop.RunInLoop(c.streamDrained)
	}
	return n, nil
}

// setReadDeadline bounds how long Read waits for body bytes, with
// net.Conn's rules: once t has passed, a Read that would wait fails with an
// error wrapping os.ErrDeadlineExceeded (bytes already received are still
// returned), until the deadline is moved; the zero time means no deadline.
// The body timeout of the server still applies. Any goroutine.
func (s *bodyStream) setReadDeadline(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deadline = t
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if !t.IsZero() {
		s.timer = time.AfterFunc(time.Until(t), func() {
			s.mu.Lock()
			s.cond.Broadcast()
			s.mu.Unlock()
		})
	}
	s.cond.Broadcast() // a Read waiting on a deadline just moved into the past
}

// received reports whether any of the body has come.
func (s *bodyStream) received() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gotBytes
}

// continuePending reports that the client waits for a 100 Continue that
// was never sent: the handler did not read the body.
func (s *bodyStream) continuePending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.needContinue
}

// Close implements io.Closer: the handler is done with the body; the rest
// is read from the socket and discarded.
func (s *bodyStream) Close() error {
	s.mu.Lock()
	s.closedByUser = true
	s.buf = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	resume := s.full
	s.full = false
	s.mu.Unlock()
	if resume {
		c := s.c
		c.ls.loop.RunInLoop(c.streamDrained)
	}
	return nil
}

// sendContinue answers Expect: 100-continue for a streamed body, on the
// loop, once the handler starts reading. The 100 belongs to the streamed
// request's pipeline slot, so it follows every earlier response and
// precedes this one; once the final response is done it is not sent.
//
// Nor once the final response has begun (the handler flushed its head
// before reading): a 100 then would land inside it (RFC 9110 15.2 allows
// 1xx only before the final response). As net/http's server then does,
// the handler gets the body if the client sends it anyway (curl does after
// a second; the body timeout bounds the wait), and the connection ends
// after the response, since a client still waiting for its 100 may never
// send the body it announced.
func (c *conn) sendContinue() {
	s := c.stream
	if c.isClosed() || c.continueSent || s == nil || s.slot == nil || s.slot.done {
		return
	}
	c.continueSent = true
	if !s.slot.final {
		c.slotWrite(s.slot, continueLine)
		return
	}
	if !s.received() && s.w != nil {
		s.w.Close()
	}
}

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// streamDrained resumes reading after the handler caught up.
func (c *conn) streamDrained() {
	if c.stream != nil {
		c.stream.loopFull = false
	}
	if c.paused {
		c.resume()
	}
}

// startStream hands the body to a StreamingHandler. The head has been
// parsed; its bytes are consumed now (the handler got a copy), so the body
// starts at the beginning of the input.
func (c *conn) startStream(req *Request, in interface{ Retrieve(int) }) {
	needContinue := req.ExpectContinue() && !c.continueSent
	s := newBodyStream(c, needContinue)
	c.stream = s
	s.remaining = req.ContentLength()
	s.chunked = req.isChunked()
	c.ls.stats.counts.requests++
	req.hc = c
	w := c.ls.writer()
	w.reset(c, req)
	if c.head != nil {
		w.slot = c.newSlot()
	}
	req.stream = s
	c.callHandler(w, req)
	if !w.detached {
		// The handler answered without taking the body: finish the
		// response now and let the body be read and discarded - unless
		// the client is waiting for a 100 it will not get, in which case
		// it may never send the body, and the connection must end.
		s.Close()
		c.finish(w)
		if needContinue {
			c.closeAfter = true
		}
	} else {
		s.slot = w.slot
		s.w = w
		if !req.safeMethod() || req.IsUpgrade() {
			c.rareState().waitSlot = w.slot // as in serve: nothing starts until it answers
		}
	}
	in.Retrieve(req.headLength())
	c.rs.p.Reset()
	c.rs.cd.Reset(c.ls.srv.limits)
}

// pumpStream moves body bytes from the input into the stream. It returns
// false when it needs more input (or paused), true when the body is
// complete and the connection is back to parsing heads.
func (c *conn) pumpStream(in interface {
	Peek() []byte
	Retrieve(int)
}) bool {
	s := c.stream
	data := in.Peek()
	if !s.chunked {
		n := int64(len(data))
		if n > s.remaining {
			n = s.remaining
		}
		if n > 0 {
			s.loopFull = s.feed(data[:n]) || s.loopFull
			in.Retrieve(int(n))
			c.ls.stats.counts.bytesIn += uint64(n)
			s.remaining -= n
		}
		if s.remaining > 0 {
			c.setDeadline(dlBody)
			return false
		}
	} else {
		done, err := c.rs.cd.Decode(data)
		if err != nil {
			c.abortStream(err)
			return false
		}
		if dl := c.rs.cd.Len(); dl > s.fed {
			s.loopFull = s.feed(data[s.fed:dl]) || s.loopFull
			s.fed = dl
		}
		if !done {
			c.setDeadline(dlBody)
			return false
		}
		in.Retrieve(c.rs.cd.Consumed())
		c.ls.stats.counts.bytesIn += uint64(c.rs.cd.Consumed())
		c.rs.cd.Reset(c.ls.srv.limits)
	}
	s.finish(io.EOF)
	c.stream = nil
	c.phase, c.continueSent, c.h = phaseHead, false, nil
	c.deadline, c.deadlineKind = 0, dlNone // the next request starts its own
	return true
}

// abortStream ends a streamed body that went wrong (malformed chunk, over
// the size limit, timed out). The handler's Read returns ErrBodyAborted
// (wrapping the cause), and its response stays the one answer to the
// request: the connection closes after it, instead of a second, error
// response that a pipelining client would take for the answer to its next
// request. Loop only.
func (c *conn) abortStream(cause error) {
	s := c.stream
	c.stream = nil
	c.ls.stats.badRequests.Add(1)
	var e *Error
	if errors.As(cause, &e) {
		c.ls.stats.badReasons[e.index].Add(1)
	}
	s.finish(fmt.Errorf("%w: %w", ErrBodyAborted, cause))
	if s.w != nil {
		s.w.Close() // the response (if not sent yet) says Connection: close
	}
	c.closeAfter = true
	c.phase, c.continueSent, c.h = phaseHead, false, nil
}
