package rpc

import (
	"sync/atomic"

	mhttp "github.com/seed08ffa9f8/muduo-go/http"
)

// HTTPHandler returns the HTTP transport as a handler for muduo-go's HTTP
// server: POST with a JSON text as the body is answered 200
// application/json, or 204 with no body (and no Content-Length) when the
// body held only notifications; any other method is 405 with Allow: POST;
// a body over the message size limit is 413 with a JSON-RPC error (-32600)
// as its body, at once when Content-Length announces it: the body is not
// read then, no 100 Continue is sent, and the connection closes after the
// answer. Mount it on a path, e.g. rt.Handle("/rpc", srv.HTTPHandler()).
//
// Inline methods answer on the loop within the request; blocking ones
// detach the response and finish it from the worker, so the loop never
// waits (and pipelined HTTP requests still get their responses in order).
func (s *Server) HTTPHandler() mhttp.Handler { return httpHandler{s} }

type httpHandler struct{ s *Server }

// RefusesHead lets the HTTP server answer a POST whose announced body is
// over the message size limit, or another method, before it reads the body
// or sends 100 Continue (see mhttp.Refuser): ServeHTTP refuses those from
// the head alone.
func (h httpHandler) RefusesHead(r *mhttp.Request) bool {
	return h.s.checkHTTPRequest(r.Method(), "", r.ContentLength()) != 0
}

func (h httpHandler) ServeHTTP(w *mhttp.ResponseWriter, r *mhttp.Request) {
	// The Content-Type is not checked: the body is validated as JSON
	// anyway (garbage gets -32700), and clients such as curl -d send
	// form encoding by default; refusing them with 415 helps nobody.
	if st := h.s.checkHTTPRequest(r.Method(), "", r.ContentLength()); st != 0 {
		switch st {
		case 405:
			w.Header().Set("Allow", "POST")
		case 413:
			// Too large to read: still say why in JSON-RPC's terms.
			w.Header().Set("Content-Type", ContentType)
			w.WriteHeader(st)
			w.SetBody(h.s.appendScanError(w.Body(), ErrMessageTooLarge))
			return
		}
		mhttp.WriteError(w, st)
		return
	}
	hc := &httpCall{w: w}
	h.s.dispatchHTTP(r.Context(), r.Body(), hc.done)
	if hc.state.Load() == callSync {
		hc.write()
		return
	}
	// The answer comes from a worker. Detach first, then publish that we
	// did: whichever of us comes second writes the response.
	w.Detach()
	if !hc.state.CompareAndSwap(callPending, callDetached) {
		hc.write()
		w.Finish()
	}
}

const (
	callPending  int32 = iota // dispatched, no answer yet
	callSync                  // answered before the handler returned (loop or early worker)
	callDetached              // the handler returned; the worker finishes the response
)

// httpCall joins the dispatcher's callback with the handler: the callback
// may run on the loop inside dispatchHTTP, or on a worker at any time.
type httpCall struct {
	w      *mhttp.ResponseWriter
	state  atomic.Int32
	status int
	rep    Reply
}

func (hc *httpCall) done(status int, rep Reply) {
	hc.status, hc.rep = status, rep
	if hc.state.CompareAndSwap(callPending, callSync) {
		// The handler has not returned yet: it writes the response (the
		// atomic publishes status and rep to it).
		return
	}
	// Detached: the worker owns the response now.
	hc.write()
	hc.w.Finish()
}

// write puts the reply into the response and releases it.
func (hc *httpCall) write() {
	w := hc.w
	if hc.status == 204 {
		w.WriteHeader(204)
	} else {
		w.Header().Set("Content-Type", ContentType)
		w.WriteHeader(hc.status)
		_, _ = w.Write(hc.rep.Bytes())
	}
	hc.rep.Release()
}
