package rpc

import (
	"context"
	"mime"
	"net/http"
)

// ContentType is the media type of JSON-RPC request and response bodies.
const ContentType = "application/json"

// CheckHTTPRequest vets an HTTP request line and headers before the body is
// read. It returns 0 when the request may proceed, otherwise the status to
// answer with: 405 for a method other than POST, 415 for a Content-Type
// that is present but not application/json (application/json-rpc and
// application/jsonrequest are accepted too), 413 when contentLength (pass
// -1 if unknown) exceeds MaxMessageSize. The glue must still bound the body
// it reads to MaxMessageSize. Safe for concurrent use.
func (s *Server) CheckHTTPRequest(method, contentType string, contentLength int64) int {
	if method != http.MethodPost {
		return http.StatusMethodNotAllowed
	}
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != ContentType && mt != "application/json-rpc" && mt != "application/jsonrequest" {
			return http.StatusUnsupportedMediaType
		}
	}
	if contentLength > int64(s.limits.MaxMessageSize) {
		return http.StatusRequestEntityTooLarge
	}
	return 0
}

// DispatchHTTP dispatches a POST body and reports the HTTP answer exactly
// once, with the same goroutine rules as Dispatch: status 200 with a JSON
// body (Content-Type: ContentType), or 204 and an empty Reply when the body
// held only notifications. A body over MaxMessageSize gets 413 with a JSON
// error body. The receiver owns the Reply and must Release it.
func (s *Server) DispatchHTTP(ctx context.Context, body []byte, done func(status int, r Reply)) {
	if len(body) > s.limits.MaxMessageSize {
		done(http.StatusRequestEntityTooLarge, s.errorReply(resp{}, errTooLarge))
		return
	}
	s.Dispatch(ctx, body, func(r Reply) {
		if r.Empty() {
			done(http.StatusNoContent, r)
			return
		}
		done(http.StatusOK, r)
	})
}

// HandleHTTPBody is the blocking form of DispatchHTTP for goroutine-per-
// request servers: it waits for the answer and returns the status and a
// copy of the body (nil for 204). It must not be called on an event loop.
func (s *Server) HandleHTTPBody(ctx context.Context, body []byte) (status int, resp []byte) {
	ch := make(chan struct{})
	s.DispatchHTTP(ctx, body, func(st int, r Reply) {
		status = st
		if !r.Empty() {
			resp = append([]byte(nil), r.Bytes()...)
		}
		r.Release()
		close(ch)
	})
	<-ch
	return status, resp
}

// DispatchWait dispatches msg and waits for the reply, returning a copy of
// its bytes (nil when no response is due). For tests and blocking
// transports; never call it on an event loop.
func (s *Server) DispatchWait(ctx context.Context, msg []byte) []byte {
	ch := make(chan []byte, 1)
	s.Dispatch(ctx, msg, func(r Reply) {
		var out []byte
		if !r.Empty() {
			out = append([]byte(nil), r.Bytes()...)
		}
		r.Release()
		ch <- out
	})
	return <-ch
}
