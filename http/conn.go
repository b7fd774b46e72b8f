package http

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Connection phases.
const (
	phaseHead   uint8 = iota // parsing a request head
	phaseBody                // head complete, waiting for the body
	phaseStream              // body streamed to a StreamingHandler
)

// What a connection's deadline is for.
const (
	dlNone uint8 = iota
	dlHeader
	dlBody
	dlIdle
	dlWrite // paused on a client that does not read its responses
)

// conn is the HTTP state of one tcp.Conn, stored as its context. Every
// field is touched only on the connection's loop, except closed.
type conn struct {
	tc *tcp.Conn
	ls *loopState // and through it, the Server

	rs     *reqState   // parser state, borrowed from the loop while a request is in progress
	h      Handler     // the handler chosen when the head completed
	stream *bodyStream // body being streamed (phaseStream)

	head, tail *slot // responses waiting for their turn (see pipeline.go)
	slots      int   // length of that queue
	inflight   int   // detached responses not yet finished

	deadline int64     // unix nanoseconds; 0 = none
	rare     *connRare // made on first use: most connections never need it

	prev, next *conn // the loop's connection list, for the timeout sweep

	// The small fields last, together, so the struct packs into 128 bytes.
	closed       atomic.Bool
	phase        uint8
	deadlineKind uint8
	continueSent bool
	closeAfter   bool // no more requests: close once the pipeline drains
	closing      bool // shutdown/linger started
	draining     bool // the server is shutting down
	paused       bool // reading stopped for backpressure
	peerEOF      bool // the client half-closed: answer what it sent, then close
	hijacking    bool // a response will hand the connection over: parse nothing more
}

// connRare holds what few connections need, so that conn stays small:
// the context handed to handlers and the state of a protocol switch.
type connRare struct {
	ctx    context.Context
	cancel context.CancelFunc

	// waitSlot is the response to an Upgrade or CONNECT request still
	// being made off the loop: until it is finished nothing more is
	// parsed, since the bytes that follow may belong to another protocol.
	waitSlot *slot
	// switchTo is set once the response that hijacks the connection has
	// left: the handover happens as the current callback ends.
	switchTo HijackHandler
	// drainWaiters are closed when the output drains: detached writers
	// wait on them in Flush while the client is behind.
	drainWaiters []chan struct{}
	// tempFiles are the spill files of responses in progress (see
	// tempFiles), removed if the connection closes first.
	tempFiles []*tempFiles
	// fileLeft is the file bytes still to send when the idle deadline
	// last passed: a connection still sending a file is not idle while
	// its client keeps reading (see sendingProgress).
	fileLeft int64
}

// rareState returns the connection's rare state, made on first use.
func (c *conn) rareState() *connRare {
	if c.rare == nil {
		c.rare = &connRare{}
	}
	return c.rare
}

func (c *conn) isClosed() bool { return c.closed.Load() }

// reqState is the parsing state of the request a connection is reading:
// a parser and a chunkedDecoder (with the parser's reusable header index).
// A connection borrows one from its loop while it has request bytes and
// gives it back when it has none, so an idle keep-alive connection holds
// no parser: what a connection needs to resume a partial head or body is
// kept only while there is one.
type reqState struct {
	p     parser
	cd    chunkedDecoder
	clean bool // reset since it was last used: putReqState need not reset it again
}

func (rs *reqState) reset(l Limits) {
	rs.p.Reset()
	rs.cd.Reset(l)
	rs.clean = true
}

// releaseReqState gives the parsing state back to the loop when nothing is
// in progress: no partial head or body buffered, no streamed body.
func (c *conn) releaseReqState(in *buffer.Buffer) {
	if c.rs != nil && c.phase == phaseHead && in.ReadableBytes() == 0 {
		c.ls.putReqState(c.rs)
		c.rs = nil
	}
}

// context returns the connection's context, cancelled when it closes.
// Created on first use, on the loop: connections that never ask pay nothing.
func (c *conn) context() context.Context {
	r := c.rareState()
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(c.ls.srv.baseCtx)
		if c.isClosed() {
			r.cancel()
		}
	}
	return r.ctx
}

// cancelContext cancels the connection's context, if it was made.
func (c *conn) cancelContext() {
	if c.rare != nil && c.rare.cancel != nil {
		c.rare.cancel()
	}
}

func (c *conn) setDeadline(kind uint8) {
	if c.deadlineKind == kind {
		return
	}
	c.deadlineKind = kind
	var d int64
	switch kind {
	case dlHeader:
		d = int64(c.ls.srv.headerTimeout)
	case dlBody:
		d = int64(c.ls.srv.bodyTimeout)
	case dlIdle, dlWrite:
		d = int64(c.ls.srv.idleTimeout)
	}
	if d <= 0 {
		c.deadline = 0
		return
	}
	c.deadline = c.ls.loop.Now().UnixNano() + d
}

// process parses and serves every complete request in in, stopping at a
// partial one (its state kept for the next call: nothing is re-scanned) or
// when backpressure says so. Responses produced in one call leave in one
// write.
func (c *conn) process(in *buffer.Buffer) {
	srv := c.ls.srv
	if c.rs == nil {
		c.rs = c.ls.getReqState()
	}
	c.rs.clean = false
	defer c.releaseReqState(in)
	for {
		if c.closeAfter || c.isClosed() {
			in.RetrieveAll() // nothing after a final response is read
			break
		}
		if c.phase == phaseStream {
			if !c.pumpStream(in) {
				if c.streamFull() {
					c.pause()
				}
				break
			}
			continue
		}
		if c.pipelineFull() || c.outputFull() || c.awaitingSwitch() {
			// (After a hijack the bytes that follow belong to the new
			// protocol: they wait, unread, for the handover.)
			c.pause()
			break
		}
		data := in.Peek()
		if c.phase == phaseHead {
			if len(data) == 0 {
				break
			}
			// The state is dirty from the first byte parsed: a request
			// after one that completed (and reset it) in this same
			// callback must not go back to the loop marked clean.
			c.rs.clean = false
			req, err := c.rs.p.Parse(data)
			if err != nil {
				if err != ErrBodyTooLarge || !c.refuseOversized(data) {
					c.fail(err)
				}
				continue
			}
			if req == nil {
				c.setDeadline(dlHeader)
				break
			}
			if c.inflight > 0 && !req.safeMethod() {
				// RFC 9112 9.3.2: pipelined requests may be processed
				// in parallel only if all are safe. This one waits for
				// the responses being made off the loop (its parsed
				// head is kept; resume comes back here).
				c.pause()
				break
			}
			c.phase = phaseBody
			var inner Handler
			c.h, inner = srv.handlerFor(req)
			if req.ContentLength() > 0 || req.isChunked() {
				// Only a request with a body can be refused early or
				// streamed: the interface assertions are not paid by
				// the rest. Both are asked of the handler as
				// registered, not of the middleware around it.
				if c.refuseEarly(req, inner, len(data)-req.headLength()) {
					continue
				}
				if _, ok := inner.(StreamingHandler); ok {
					c.phase = phaseStream
					c.startStream(req, in)
					continue
				}
			}
			if req.ExpectContinue() && len(data) == req.headLength() && (req.ContentLength() > 0 || req.isChunked()) {
				c.continueNow()
			}
		}
		req, _ := c.rs.p.Parse(data) // rebinds the finished head to data
		hl := req.headLength()
		var body []byte
		var consumed int
		if req.isChunked() {
			done, err := c.rs.cd.Decode(data[hl:])
			if err != nil {
				c.fail(err)
				continue
			}
			if !done {
				c.setDeadline(dlBody)
				break
			}
			body, consumed = data[hl:hl+c.rs.cd.Len()], hl+c.rs.cd.Consumed()
		} else {
			n := max(req.ContentLength(), 0)
			if int64(len(data)-hl) < n {
				c.setDeadline(dlBody)
				break
			}
			body, consumed = data[hl:hl+int(n)], hl+int(n)
		}
		c.serve(req, body)
		in.Retrieve(consumed)
		c.rs.reset(srv.limits)
		c.phase, c.continueSent, c.h = phaseHead, false, nil
		// Each request's header, body and idle times start anew: without
		// this a busy keep-alive connection kept the deadline of the
		// first time it went idle (or of its first partial head) and was
		// cut off mid-use.
		c.deadline, c.deadlineKind = 0, dlNone
		c.ls.stats.counts.bytesIn += uint64(consumed)
	}
	if c.phase == phaseHead && in.ReadableBytes() == 0 && c.inflight == 0 {
		c.setDeadline(dlIdle)
	} else if c.inflight > 0 && c.phase == phaseHead && in.ReadableBytes() == 0 {
		c.setDeadline(dlNone) // a handler is working; the client waits for us
	}
	if c.rare != nil && c.rare.switchTo != nil {
		c.switchProtocols(in)
		return
	}
	if c.peerEOF && !c.paused {
		c.closeAfter = true // everything the client sent has been read
	}
	c.flushBatch()
	c.maybeClose()
}

// awaitingSwitch reports that a request which may switch protocols
// (Upgrade, CONNECT) or has an unsafe method is still being answered off
// the loop, or has hijacked the connection: what follows it must wait.
func (c *conn) awaitingSwitch() bool {
	return c.hijacking || (c.rare != nil && c.rare.waitSlot != nil)
}

// continueNow answers "Expect: 100-continue" (RFC 9110 10.1.1) for a body
// the server reads whole before calling the handler: the handler is known
// by then and wants the body (a request refused from its head got its final
// status at once instead, see refuseEarly). Streamed bodies get their 100
// when the handler starts reading (sendContinue).
func (c *conn) continueNow() {
	if !c.continueSent {
		c.continueSent = true
		if c.head == nil {
			c.ls.out = append(c.ls.out, continueLine...)
			c.flushBatch()
		} else {
			s := c.newSlot()
			c.slotWrite(s, continueLine)
			c.slotDone(s)
		}
	}
}

// serve runs the handler for one complete request.
func (c *conn) serve(req *Request, body []byte) {
	ls := c.ls
	ls.stats.counts.requests++
	req.body, req.hc = body, c
	w := ls.writer()
	w.reset(c, req)
	if c.head != nil {
		w.slot = c.newSlot() // an earlier response is still being made
	}
	if c.ls.srv.workers != nil {
		c.dispatch(w, req)
	} else {
		c.callHandler(w, req)
		if !w.detached {
			c.finish(w)
			return
		}
	}
	if (req.IsUpgrade() || !req.safeMethod()) && !w.slot.done {
		// Its handler may switch protocols (Upgrade, CONNECT: see
		// Hijack), or change what later requests see (an unsafe method,
		// RFC 9112 9.3.2): start nothing more until it has answered.
		c.rareState().waitSlot = w.slot
	}
}

// finish completes a response whose handler returned without detaching.
func (c *conn) finish(w *ResponseWriter) {
	w.finished = true
	w.removeTempFiles()
	if w.hijack != nil {
		c.finishHijack(w)
		c.runHooks(w)
		return
	}
	switch {
	case len(w.files) > 0:
		c.ls.tmp = w.appendFinal(c.ls.tmp[:0])
		c.emitWithFiles(w.slot, w, c.ls.tmp, w.bodyAt)
		if w.slot != nil {
			c.slotDone(w.slot)
		}
	case w.slot == nil:
		c.ls.out = w.appendFinal(c.ls.out)
	default:
		c.ls.tmp = w.appendFinal(c.ls.tmp[:0])
		c.slotWriteFinal(w.slot, c.ls.tmp)
		c.slotDone(w.slot)
	}
	c.ls.stats.countStatus(w.status)
	if !w.keepAlive {
		c.closeAfter = true
	}
	c.runHooks(w)
}

// fail answers a request that can not be parsed and closes the connection:
// after a framing error nothing that follows can be trusted. The response
// names the reason in one line, as net/http's do ("400 Bad Request:
// missing required Host header"); the reason is logged at Debug with the
// peer's address and counted per reason (Stats.BadRequestReasons).
func (c *conn) fail(err error) {
	ls := c.ls
	e, ok := err.(*Error)
	if !ok {
		e = errUnknown // the parser and decoder return only *Error
	}
	ls.stats.badRequests.Add(1)
	ls.stats.badReasons[e.index].Add(1)
	if l := ls.srv.opts.logger; l.Enabled(context.Background(), slog.LevelDebug) {
		l.Debug("http: refused request", "status", e.Status, "reason", e.Reason,
			"peer", c.tc.PeerAddr().String(), "conn", c.tc.Name())
	}
	ls.tmp = appendErrorResponse(ls.tmp[:0], ls, e)
	if c.head == nil {
		ls.out = append(ls.out, ls.tmp...)
	} else {
		s := c.newSlot()
		c.slotWrite(s, ls.tmp)
		c.slotDone(s)
	}
	ls.stats.countStatus(e.Status)
	c.closeAfter = true
	c.serverResponded(e.Status, ls.tmp)
}

// appendErrorResponse builds a complete error response with a one-line
// text body naming the status and e's reason, and Connection: close.
func appendErrorResponse(dst []byte, ls *loopState, e *Error) []byte {
	return appendStatusResponse(dst, ls, e.Status, e.Reason)
}

// appendStatusResponse builds a complete response with Connection: close
// and the one-line text body "<status> <text>: <reason>" (without ": "
// when reason is empty).
func appendStatusResponse(dst []byte, ls *loopState, status int, reason string) []byte {
	text := StatusText(status)
	dst = appendStatusLine(dst, status)
	if ls.srv.serverName != "" {
		dst = append(dst, ls.srv.serverHeader...)
	}
	dst = append(dst, ls.date...)
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	// "400 Bad Request: reason\n": 3 digits, a space, the text, ": ", the reason and the LF.
	n := 3 + 1 + len(text) + 1
	if reason != "" {
		n += 2 + len(reason)
	}
	dst = appendInt(dst, n)
	dst = append(dst, "\r\n\r\n"...)
	dst = appendInt(dst, status)
	dst = append(dst, ' ')
	dst = append(dst, text...)
	if reason != "" {
		dst = append(dst, ": "...)
		dst = append(dst, reason...)
	}
	return append(dst, '\n')
}

func (c *conn) flushBatch() {
	if out := c.ls.out; len(out) > 0 {
		c.send(out)
		c.ls.out = out[:0]
	}
}

func (c *conn) send(p []byte) {
	c.ls.stats.counts.bytesOut += uint64(len(p))
	_ = c.tc.Send(p)
}

// maybeClose ends a connection that will serve no more requests once every
// response has been handed to the kernel: a half-close after the output
// drains (so the client reads the whole response, not a reset), then a
// forced close if the client does not close within the linger time.
func (c *conn) maybeClose() {
	if !c.closeAfter || c.closing || c.head != nil || c.inflight > 0 {
		return
	}
	c.closing = true
	c.flushBatch()
	// The linger counts from the half-close, once the output (a large
	// file, say) has gone: a slow reader still gets all of it.
	c.tc.ShutdownThenClose(c.ls.srv.lingerTimeout)
}
