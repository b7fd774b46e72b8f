package http

// Refuser is implemented by handlers that can tell from a request's head
// alone that they will refuse it: a wrong method, a declared body larger
// than they accept, a missing credential. It spares the client sending a
// body nobody reads, and the server reading it.
//
// When a request has a body and its handler is a Refuser whose RefusesHead
// reports true, and the body has not all arrived yet, the server calls
// ServeHTTP at once: before it sends 100 Continue (RFC 9110 10.1.1 lets it
// answer the final status instead) and before it waits for any of the
// body. Request.Body is then nil (ContentLength still reports what was
// announced), ServeHTTP must answer from the head alone, its response is
// the final one, and the connection is closed after it so that the unread
// body is never parsed as a request (the close lingers: the response is
// not lost to a reset while the client is still sending). When the whole
// body is already in, the request is served as usual and the connection
// is kept.
//
// RefusesHead is called on the event loop for every request with a body
// routed to the handler, so it must be quick and must not block. The
// Router's 404 and 405 answers are Refusers, and so is a Router itself
// (it asks the handler it would route to).
type Refuser interface {
	Handler
	RefusesHead(r *Request) bool
}

// RefusesHead reports whether the handler r would be routed to refuses it
// from its head alone (see Refuser).
func (rt *Router) RefusesHead(r *Request) bool {
	rf, ok := rt.lookup(r).(Refuser)
	return ok && rf.RefusesHead(r)
}

func (notFound) RefusesHead(*Request) bool         { return true }
func (methodNotAllowed) RefusesHead(*Request) bool { return true }

// refuseEarly answers a request whose handler refuses it from the head
// while its body is still to come (see Refuser). It reports whether it
// did; the connection is then closing.
func (c *conn) refuseEarly(req *Request, buffered int) bool {
	rf, ok := c.h.(Refuser)
	if !ok || !rf.RefusesHead(req) {
		return false
	}
	if !req.Chunked() && int64(buffered) >= req.ContentLength() {
		return false // all here: served as usual, the connection kept
	}
	c.closeAfter = true // before serve: the response says Connection: close
	c.serve(req, nil)
	return true
}
