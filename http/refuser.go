package http

import "fmt"

// Refuser is implemented by handlers that can tell from a request's head
// alone that they will refuse it: a wrong method, a declared body larger
// than they accept, a missing credential. It spares the client sending a
// body nobody reads, and the server reading it.
//
// When a request has a body and its handler is a Refuser whose RefusesHead
// reports true, the server answers at once, without the body, when waiting
// for it would be a waste: the client asked for 100 Continue and has sent
// none of the body yet (RFC 9110 10.1.1 lets the server answer the final
// status instead), or more than 64 KiB of a declared Content-Length is
// still to come. ServeHTTP is then called with Request.Body nil
// (ContentLength still reports what was announced) and must answer from
// the head alone; its response is the final one, and the connection is
// closed after it so that the unread body is never parsed as a request
// (the close lingers: a client still sending gets the response, not a
// reset). Otherwise (a small body, or a chunked one without Expect) the
// body is read as usual, the handler is called with it and the connection
// is kept, which spares a keep-alive client a reconnection for a 404.
//
// A declared body over the server's Limits.MaxBodyBytes is refused with a
// plain 413, unless the request's handler is a Refuser that refuses its
// head: that handler answers instead, in its own terms, the same way (the
// router's 404 or 405, the JSON-RPC handler's 413 carrying a JSON-RPC
// error).
//
// RefusesHead is called on the event loop, for the requests routed to the
// handler whose body the server would otherwise wait for (as above) or that
// are over MaxBodyBytes, so it must be quick and must not block (the
// loop's other connections wait meanwhile); a panic in it is logged and
// taken for false. The
// Router's 404 and 405 answers are Refusers, and so is a Router itself
// (it asks the handler it would route to).
type Refuser interface {
	Handler
	RefusesHead(r *Request) bool
}

// earlyRefusalMin is how much of a declared body must still be to come
// before a refused request is answered without it (and the connection
// closed): below that, reading it costs less than a new connection.
const earlyRefusalMin = 64 << 10

// refuseEarly answers a request whose handler refuses it from the head
// while its body is still to come (see Refuser). It reports whether it
// did; the connection is then closing.
func (c *conn) refuseEarly(req *Request, inner Handler, buffered int) bool {
	waiting := req.ExpectContinue() && buffered == 0 // for our 100
	large := !req.isChunked() && req.ContentLength()-int64(buffered) > earlyRefusalMin
	if !waiting && !large {
		return false
	}
	if !c.refuses(inner, req) {
		return false
	}
	c.closeAfter = true // before serve: the response says Connection: close
	c.serve(req, nil)
	return true
}

// refuses asks h, if it is a Refuser, whether it refuses req. A panic in
// RefusesHead is logged and taken for "no": the request goes on to
// ServeHTTP, where the server's usual panic handling applies, instead of
// unwinding the loop.
func (c *conn) refuses(h Handler, req *Request) (refused bool) {
	rf, ok := h.(Refuser)
	if !ok {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			c.ls.srv.opts.logger.Error("http: RefusesHead panic", "conn", c.tc.Name(), "panic", fmt.Sprint(p))
			refused = false
		}
	}()
	return rf.RefusesHead(req)
}

// refuseOversized lets a Refuser answer a request the parser refused only
// because its declared body is over MaxBodyBytes (see Refuser): the head is
// complete and valid, so it can be routed. It reports whether the handler
// answered; the connection is then closing.
func (c *conn) refuseOversized(data []byte) bool {
	req := c.rs.p.oversized(data)
	if req == nil {
		return false
	}
	run, inner := c.ls.srv.handlerFor(req)
	if !c.refuses(inner, req) {
		return false
	}
	c.h = run
	c.closeAfter = true
	c.serve(req, nil)
	return true
}
