package http

import (
	"errors"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// HijackCallbacks are the callbacks of a connection taken over from the
// HTTP server (ResponseWriter.Hijack): from the handover on, the
// connection speaks the new owner's protocol, and the server neither parses
// nor answers anything on it. They run on the connection's loop, like
// net/tcp's callbacks, and must not block it.
type HijackCallbacks struct {
	// Start runs once, at the handover: every response before the hijacking
	// one has been queued for sending, and in holds what the client sent
	// after the hijacking request (often nothing yet). Start typically sends
	// the protocol's first bytes (for an upgrade, the 101 Switching
	// Protocols head) and consumes what it can of in; anything it leaves in
	// in is handed to Message with the next bytes. Required.
	Start func(tc *tcp.Conn, in *buffer.Buffer)
	// Message runs for the bytes that arrive later, as a tcp message
	// callback does. Required.
	Message tcp.MessageCallback
	// HalfClose runs when the client closes its side. When nil, the server
	// closes the connection once its output has drained (tc.Shutdown).
	HalfClose func(tc *tcp.Conn)
	// Shutdown runs when a graceful Server.Shutdown starts: the owner
	// should wind the protocol down (a WebSocket close frame, say) and
	// close the connection. When nil, the connection is half-closed once
	// its output drains (tc.Shutdown). Shutdown waits for hijacked
	// connections like any other and closes those still open when its
	// context ends.
	Shutdown func(tc *tcp.Conn)
	// Close runs once when the connection has closed, for whatever reason
	// (either side, or a server shutdown past its deadline). Optional.
	Close func(tc *tcp.Conn)
}

// Errors of a refused Hijack.
var (
	ErrHijackHeadSent  = errors.New("http: hijack after the response head was sent")
	ErrHijackBody      = errors.New("http: hijack while the request body is still being read")
	ErrHijackPipelined = errors.New("http: hijack with later pipelined requests already read")
	ErrHijackCallbacks = errors.New("http: hijack needs Start and Message callbacks")
)

// Hijack hands the connection over to cb once this request is done: the
// server writes no response for it (no status, no header; Start writes
// what the new protocol needs), sends every earlier pipelined response
// first, then calls cb.Start and routes everything the connection reads to
// cb. It is how a handler accepts an Upgrade (RFC 9110 7.8: WebSocket, a
// private protocol) or serves CONNECT as a tunnel.
//
// After a request with an Upgrade or a CONNECT, the server reads nothing
// more from the connection until that request's handler has answered or
// hijacked, so bytes of the new protocol are never parsed as HTTP.
//
// Call it from the handler on the loop before it returns, or, for a
// detached response, from the goroutine that owns the writer before
// Finish. The handover happens when the handler returns (or at Finish);
// the writer must not be written to after Hijack. It fails if part of the
// response was already flushed, or while a streamed request body is still
// being read; for a detached response whose connection has meanwhile read
// later pipelined requests, the connection is closed at Finish instead.
//
// The hijacked connection is no longer counted as an open HTTP connection
// (Stats.Hijacked counts handovers), its Request.Context is cancelled when
// it closes, and the server's timeouts no longer apply: the new owner
// closes it (see HijackCallbacks.Shutdown for a graceful server shutdown).
func (w *ResponseWriter) Hijack(cb HijackCallbacks) error {
	if cb.Start == nil || cb.Message == nil {
		return ErrHijackCallbacks
	}
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	switch {
	case w.finished:
		return ErrFinished
	case w.headerSent:
		return ErrHijackHeadSent
	case !w.detached && w.c.phase == phaseStream:
		return ErrHijackBody
	}
	w.hijack = &callbackHandler{cb}
	return nil
}

// HijackHandler is the new owner of a connection handed over by
// HijackWith: HijackCallbacks as an interface, so that a protocol whose
// per-connection state implements it costs no closures per connection
// (package websocket's connections do). The methods run on the
// connection's loop, as the callbacks of the same names do; HalfClose and
// Shutdown have no default here: call tc.Shutdown for one.
type HijackHandler interface {
	Start(tc *tcp.Conn, in *buffer.Buffer)
	Message(tc *tcp.Conn, in *buffer.Buffer, t time.Time)
	HalfClose(tc *tcp.Conn)
	Shutdown(tc *tcp.Conn)
	Close(tc *tcp.Conn)
}

// HijackWith is Hijack with the new owner's callbacks as the methods of h:
// the same rules, the same handover. The connection keeps h as its only
// state: the server's own per-connection state is released at the
// handover unless the request's Context was asked for (it is then
// cancelled when the connection closes, as after Hijack).
func (w *ResponseWriter) HijackWith(h HijackHandler) error {
	if h == nil {
		return ErrHijackCallbacks
	}
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	switch {
	case w.finished:
		return ErrFinished
	case w.headerSent:
		return ErrHijackHeadSent
	case !w.detached && w.c.phase == phaseStream:
		return ErrHijackBody
	}
	w.hijack = h
	return nil
}

// callbackHandler is HijackCallbacks as a HijackHandler, with their
// defaults for nil HalfClose and Shutdown.
type callbackHandler struct{ cb HijackCallbacks }

func (h *callbackHandler) Start(tc *tcp.Conn, in *buffer.Buffer) { h.cb.Start(tc, in) }

func (h *callbackHandler) Message(tc *tcp.Conn, in *buffer.Buffer, t time.Time) {
	h.cb.Message(tc, in, t)
}

func (h *callbackHandler) HalfClose(tc *tcp.Conn) {
	if h.cb.HalfClose != nil {
		h.cb.HalfClose(tc)
		return
	}
	tc.Shutdown()
}

func (h *callbackHandler) Shutdown(tc *tcp.Conn) {
	if h.cb.Shutdown != nil {
		h.cb.Shutdown(tc)
		return
	}
	tc.Shutdown()
}

func (h *callbackHandler) Close(tc *tcp.Conn) {
	if h.cb.Close != nil {
		h.cb.Close(tc)
	}
}

// finishHijack ends a response whose handler hijacked the connection: no
// bytes of its own; the handover waits until every earlier response has
// left (slotDone notes it in switchTo). Loop only.
func (c *conn) finishHijack(w *ResponseWriter) {
	c.hijacking = true // parse nothing more: what follows is the new protocol's
	w.releaseEncoder() // no response of its own to encode
	cb := w.hijack
	if w.slot == nil {
		c.rareState().switchTo = cb
		return
	}
	if w.slot != c.tail || c.phase == phaseStream {
		// Requests read after this one would be left without an answer
		// and their bytes handed to the new protocol: refuse the switch
		// and end the connection.
		c.closeAfter = true
		c.tc.ForceClose()
		return
	}
	w.slot.hijack = cb
	c.slotDone(w.slot)
}

// switchProtocols hands the connection to its new owner once the current
// callback is done with HTTP; in holds the unconsumed input. The HTTP
// state (conn, its rare state) is kept only when the request's context
// was made, to cancel it at the close; otherwise the connection's context
// is the new owner itself and nothing of HTTP stays with it.
func (c *conn) switchProtocols(in *buffer.Buffer) {
	h := c.rare.switchTo
	c.rare.switchTo = nil
	c.flushBatch()
	ls := c.ls
	ls.remove(c)
	ls.stats.hijacked.Add(1)
	c.deadline, c.deadlineKind = 0, dlNone
	if c.rs != nil {
		ls.putReqState(c.rs)
		c.rs = nil
	}
	c.head, c.tail, c.slots = nil, nil, 0
	tc := c.tc
	if c.rare.ctx != nil {
		tc.SetData(&hijacked{c: c, h: h})
	} else {
		tc.SetData(h)
	}
	if c.paused {
		c.paused = false
		tc.SetWriteCompleteCallback(nil)
		tc.StartRead()
	}
	h.Start(tc, in)
}

// hijacked is the context of a connection handed over by Hijack whose
// request's context must be cancelled when it closes. Every other
// hijacked connection has its HijackHandler itself as its context.
type hijacked struct {
	c *conn // the HTTP state it left, for its context
	h HijackHandler
}

// hijackOwner returns the new owner of a hijacked connection, from its
// tcp context; nil if it is not one.
func hijackOwner(ctx any) HijackHandler {
	switch h := ctx.(type) {
	case *hijacked:
		return h.h
	case HijackHandler:
		return h
	}
	return nil
}

// hijackClosed runs when a hijacked connection has closed.
func hijackClosed(tc *tcp.Conn, ctx any) {
	if h, ok := ctx.(*hijacked); ok {
		h.c.closed.Store(true)
		h.c.cancelContext()
	}
	if h := hijackOwner(ctx); h != nil {
		h.Close(tc)
	}
}
