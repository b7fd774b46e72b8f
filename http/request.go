package http

import (
	"context"
	"net/netip"
	"unsafe"
)

// span is a region of the connection's input, as offsets from the start of
// the data passed to Parse. Offsets rather than slices are what survive the
// glue moving its buffer between calls.
type span struct{ off, n uint32 }

func (s span) of(b []byte) []byte { return b[s.off : s.off+s.n : s.off+s.n] }

// field is one header field line: name as sent, value trimmed of OWS.
type field struct{ name, value span }

// Request flags: the derived facts, then what the field lines said, which
// is only combined into the derived facts once the head is complete.
const (
	flKeepAlive uint32 = 1 << iota
	flChunked
	flExpectContinue
	flUpgrade
	flHasQuery
	flHasHost
	flPathSlash // absolute-form without a path: the path is "/"
	flAbsolute
	flAuthority
	flAsterisk
	flHasCL
	flTE
	flTEChunkedLast
	flTEUnknown
	flTEChunkedSeen
	flConnClose
	flConnKeepAlive
	flConnUpgrade
	flUpgradeHdr
	flHostHdr
	flExpectHdr
)

// Method identifiers; the index into methodNames.
const (
	mUnknown uint8 = iota
	mGET
	mHEAD
	mPOST
	mPUT
	mDELETE
	mCONNECT
	mOPTIONS
	mTRACE
	mPATCH
)

// methodNames are the interned strings Method returns for standard methods.
var methodNames = [...]string{"", "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// safeMethod reports a safe method (RFC 9110 9.2.1): GET, HEAD, OPTIONS,
// TRACE. Only requests with safe methods are served in parallel when
// pipelined.
func (r *Request) safeMethod() bool {
	switch r.methodID {
	case mGET, mHEAD, mOPTIONS, mTRACE:
		return true
	}
	return false
}

func lookupMethod(b []byte) uint8 {
	// Comparing string(b) to a constant does not allocate.
	for i := 1; i < len(methodNames); i++ {
		if string(b) == methodNames[i] {
			return uint8(i)
		}
	}
	return mUnknown
}

// Request is a parsed request head: a view into the bytes passed to
// parser.Parse. It owns no memory apart from its header index; every []byte
// it returns aliases the connection's input and is valid only until the glue
// consumes (or overwrites) those bytes, or moves them without calling
// rebind. Use Clone to keep a request longer.
//
// A Request is not safe for concurrent use: it belongs to the goroutine
// running the connection's event loop (or the one a Clone is handed to).
type Request struct {
	buf           []byte
	headers       []field // reused across requests; only grows
	contentLength int64
	method        span
	target        span
	path          span
	query         span
	host          span
	headLen       uint32
	major, minor  uint8
	methodID      uint8
	flags         uint32

	// Set by the server for the handler (see server_request.go).
	body []byte
	hc   *conn
	ctx  context.Context

	// The request helpers' state (see form.go).
	rw      *ResponseWriter // the response to this request: owns the form's spill files
	form    *Form           // parsed by Form, kept for later calls
	formErr error
	// Set by middleware (see request_values.go).
	values    []requestValue // reused across requests; only grows
	remote    netip.AddrPort // SetRemoteAddr's
	remoteSet bool
	// Set by the Router (see router_dispatch.go) and the server.
	route      *route      // the matched route: its wildcard names
	params     []span      // wildcard values, as spans of Path(); reused
	routeNote  string      // the Allow of a 405, the Location of a redirect
	pathValues []pathValue // SetPathValue's
	routed     Handler     // the route's chain, under WithMiddleware's
	stream     *bodyStream // the body, when it is streamed
}

func (r *Request) has(f uint32) bool { return r.flags&f != 0 }

// rebind points the request's views at data, which must hold the same head
// bytes at the same offsets (the glue moved or grew its buffer). Call it from
// the event-loop goroutine before using the views again.
func (r *Request) rebind(data []byte) { r.buf = data }

// headLength is the number of bytes of the head, including any leading empty
// lines and the final CRLF; the body starts at data[headLength()].
func (r *Request) headLength() int { return int(r.headLen) }

// Method returns the method. Standard methods (GET, HEAD, POST, PUT, DELETE,
// CONNECT, OPTIONS, TRACE, PATCH) are interned constants that stay valid
// forever; any other method is an unsafe view valid only while the request
// bytes are (until the handler returns).
func (r *Request) Method() string {
	if r.methodID != mUnknown {
		return methodNames[r.methodID]
	}
	return unsafeString(r.method.of(r.buf))
}

// MethodBytes returns the method as sent (a view into the input).
func (r *Request) MethodBytes() []byte { return r.method.of(r.buf) }

// Target returns the request-target exactly as sent.
func (r *Request) Target() []byte { return r.target.of(r.buf) }

// Path returns the raw (still percent-encoded) path of the target: the part
// before '?' for origin-form, the path after the authority for absolute-form
// ("/" when it is empty), "*" for asterisk-form and nil for authority-form.
func (r *Request) Path() []byte {
	if r.has(flPathSlash) {
		return slash
	}
	if r.has(flAuthority) {
		return nil
	}
	return r.path.of(r.buf)
}

var slash = []byte("/")

// PathString is Path as a string that aliases the input: valid only until
// the handler returns. Copy it (strings.Clone) to keep it.
func (r *Request) PathString() string { return unsafeString(r.Path()) }

// RawQuery returns the raw query after '?', or nil if the target has no
// '?' (an empty query "?" returns an empty non-nil slice). Query and
// QueryParams decode it.
func (r *Request) RawQuery() []byte {
	if !r.has(flHasQuery) {
		return nil
	}
	return r.query.of(r.buf)
}

// RawQueryString is RawQuery as a string aliasing the input: valid only
// until the handler returns.
func (r *Request) RawQueryString() string { return unsafeString(r.RawQuery()) }

// Proto returns the HTTP version as received. Any HTTP/1.x with x >= 1 is
// processed with HTTP/1.1 semantics (RFC 9110 2.5).
func (r *Request) Proto() (major, minor int) { return int(r.major), int(r.minor) }

// Host returns the authority the request is for: the authority of an
// absolute-form target (RFC 9112 3.2.2: it overrides the Host field),
// otherwise the Host field value (nil if an HTTP/1.0 request had none).
func (r *Request) Host() []byte {
	if !r.has(flHasHost) {
		return nil
	}
	return r.host.of(r.buf)
}

// ContentLength returns the declared Content-Length, or -1 if the request
// has none (no body, or chunked).
func (r *Request) ContentLength() int64 {
	if !r.has(flHasCL) {
		return -1
	}
	return r.contentLength
}

// isChunked reports a chunked body, to be decoded with a chunkedDecoder over
// data[headLength():].
func (r *Request) isChunked() bool { return r.has(flChunked) }

// KeepAlive reports whether the connection may be reused after this request:
// HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
// "Connection: keep-alive" (and no close).
func (r *Request) KeepAlive() bool { return r.has(flKeepAlive) }

// ExpectContinue reports "Expect: 100-continue" on an HTTP/1.1 request; the
// server should send 100 Continue before reading the body. RFC 9110 10.1.1
// requires ignoring it for HTTP/1.0, so it is false there.
func (r *Request) ExpectContinue() bool { return r.has(flExpectContinue) }

// IsUpgrade reports an Upgrade field together with the "upgrade" Connection
// option; Header("Upgrade") names the protocols.
func (r *Request) IsUpgrade() bool { return r.has(flUpgrade) }

// IsConnect reports a CONNECT request (authority-form target, no body
// framing of its own once a tunnel is established).
func (r *Request) IsConnect() bool { return r.methodID == mCONNECT }

// NumHeaders returns the number of header field lines.
func (r *Request) NumHeaders() int { return len(r.headers) }

// HeaderAt returns the i-th field line in arrival order: the name as sent
// and the value with surrounding whitespace removed. It panics if i is out
// of range.
func (r *Request) HeaderAt(i int) (name, value []byte) {
	f := r.headers[i]
	return f.name.of(r.buf), f.value.of(r.buf)
}

// Header returns the value of the first field named name (ASCII
// case-insensitive), or nil if there is none. It does not allocate; the
// lookup is linear, which beats hashing for the few fields real requests
// carry.
func (r *Request) Header(name string) []byte {
	if i := r.HeaderIndex(name, 0); i >= 0 {
		return r.headers[i].value.of(r.buf)
	}
	return nil
}

// HeaderIndex returns the index of the first field named name at or after
// from, or -1; iterate with HeaderIndex(name, i+1) to see repeated fields.
func (r *Request) HeaderIndex(name string, from int) int {
	for i := from; i < len(r.headers); i++ {
		if equalFold(r.headers[i].name.of(r.buf), name) {
			return i
		}
	}
	return -1
}

// Clone returns a request that owns a copy of the head, so it stays valid
// after the connection's bytes are consumed, and may be handed to another
// goroutine. The body is not copied: the glue copies data[headLength():] itself
// if it needs to.
func (r *Request) Clone() *Request {
	c := *r
	c.buf = append([]byte(nil), r.buf[:r.headLen]...)
	c.headers = append([]field(nil), r.headers...)
	if len(r.values) > 0 {
		c.values = append([]requestValue(nil), r.values...)
	} else {
		c.values = nil
	}
	c.params = append([]span(nil), r.params...)
	c.pathValues = append([]pathValue(nil), r.pathValues...)
	return &c
}

// reset clears r for the next request, keeping the header storage.
func (r *Request) reset() {
	h, p := r.headers[:0], r.params[:0]
	v := r.values
	if len(v) > 0 {
		clear(v) // let the values go
		v = v[:0]
	}
	*r = Request{headers: h, params: p, values: v}
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
