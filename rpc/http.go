package rpc

import (
	"context"
	"mime"
	"net/http"
)

// ContentType is the media type of JSON-RPC request and response bodies.
const ContentType = "application/json"

// checkHTTPRequest vets an HTTP request line and headers before the body is
// read. It returns 0 when the request may proceed, otherwise the status to
// answer with: 405 for a method other than POST, 415 for a Content-Type
// that is present but not application/json (application/json-rpc and
// application/jsonrequest are accepted too), 413 when contentLength (pass
// -1 if unknown) exceeds MaxMessageSize. The glue must still bound the body
// it reads to MaxMessageSize. Safe for concurrent use.
func (s *Server) checkHTTPRequest(method, contentType string, contentLength int64) int {
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

// dispatchHTTP dispatches a POST body and reports the HTTP answer exactly
// once, with the same goroutine rules as Dispatch: status 200 with a JSON
// body (Content-Type: ContentType), or 204 and an empty Reply when the body
// held only notifications. A body over MaxMessageSize gets 413 with a JSON
// error body. The receiver owns the Reply and must Release it.
func (s *Server) dispatchHTTP(ctx context.Context, body []byte, done func(status int, r Reply)) {
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
