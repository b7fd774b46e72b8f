package middleware

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// maxRequestIDLen bounds an accepted incoming request ID.
const maxRequestIDLen = 64

// RequestIDOption configures RequestID.
type RequestIDOption func(*requestIDConfig)

// TrustIncomingRequestID sets whether a sane X-Request-ID sent by the
// client (or the proxy in front) is kept (default true). Turn it off when
// clients are untrusted and IDs must be the server's own.
func TrustIncomingRequestID(on bool) RequestIDOption {
	return func(c *requestIDConfig) { c.trust = on }
}

type requestIDConfig struct{ trust bool }

// requestIDKey is the Request.SetValue key of the ID.
type requestIDKey struct{}

// requestID holds one request's ID; the string views its bytes, which are
// never written again once set.
type requestID struct {
	buf [maxRequestIDLen]byte
	n   int
}

func (id *requestID) String() string { return unsafe.String(&id.buf[0], id.n) }

// RequestID gives every request an ID: the request's own X-Request-ID when
// it is sane (1 to 64 characters out of letters, digits and "-_.:/+=@"),
// otherwise a new one, unique in the process and unlikely to repeat across
// processes: a random prefix drawn at construction and a counter
// ("3JKQ5V2HNRXEE-17"). The ID is set on the response as X-Request-ID
// (where AccessLog finds it) and is readable by the handlers after it with
// RequestIDFrom. Costs one small allocation per request.
func RequestID(opts ...RequestIDOption) func(http.Handler) http.Handler {
	cfg := requestIDConfig{trust: true}
	for _, o := range opts {
		o(&cfg)
	}
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	prefix := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed[:])[:13] + "-"
	var counter atomic.Uint64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			id := &requestID{}
			if in := r.Header(RequestIDHeader); cfg.trust && saneRequestID(in) {
				id.n = copy(id.buf[:], in)
			} else {
				b := append(id.buf[:0], prefix...)
				b = strconv.AppendUint(b, counter.Add(1), 10)
				id.n = len(b)
			}
			r.SetValue(requestIDKey{}, id)
			w.Header().Set(RequestIDHeader, id.String())
			next.ServeHTTP(w, r)
		})
	}
}

// RequestIDFrom returns the request's ID as RequestID set it, or "".
// The string stays valid after the handler returns.
func RequestIDFrom(r *http.Request) string {
	if id, ok := r.Value(requestIDKey{}).(*requestID); ok {
		return id.String()
	}
	return ""
}

// saneRequestID accepts IDs that are safe to log and echo.
func saneRequestID(b []byte) bool {
	if len(b) == 0 || len(b) > maxRequestIDLen {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}
