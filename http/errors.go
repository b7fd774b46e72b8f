package http

import "errors"

// Limits bounds the resources one request may use. A zero field means "use
// the default". Limits are read when a parser or chunkedDecoder is reset, so
// changing them affects the next request only.
type Limits struct {
	// MaxTargetBytes bounds the request-target (default 16 KiB). A longer
	// target is answered with 414 as soon as it is seen, before the request
	// line is complete.
	MaxTargetBytes int
	// MaxHeaderBytes bounds the whole head: leading empty lines, the request
	// line and all field lines including the final CRLF (default 64 KiB,
	// at most 1 GiB so that offsets fit in uint32). Exceeding it, even
	// with an incomplete head, is answered with 431. The same bound applies
	// to the trailer section of a chunked body.
	MaxHeaderBytes int
	// MaxHeaderCount bounds the number of header field lines (default
	// 128). One more is answered with 431.
	MaxHeaderCount int
	// MaxBodyBytes bounds the decoded body (default 8 MiB). A larger
	// Content-Length is answered with 413 as soon as the head is parsed;
	// a chunked body is counted as chunk sizes are announced.
	MaxBodyBytes int64
}

// Default limits, used for zero fields of Limits.
const (
	DefaultMaxTargetBytes = 16 << 10
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxHeaderCount = 128
	DefaultMaxBodyBytes   = 8 << 20

	// maxHeadBytesCap keeps every head offset representable as uint32
	// with room to spare.
	maxHeadBytesCap = 1 << 30
	// maxMethodBytes bounds the method token. No registered method comes
	// close; a longer one cannot be a method this server implements.
	maxMethodBytes = 64
	// maxChunkLineBytes bounds a chunk-size line including extensions.
	// Extensions are ignored, so this only has to admit real-world ones.
	maxChunkLineBytes = 4 << 10
)

// withDefaults returns l with zero or out-of-range fields replaced, so the
// hot path never has to check for zero.
func (l Limits) withDefaults() Limits {
	if l.MaxTargetBytes <= 0 {
		l.MaxTargetBytes = DefaultMaxTargetBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaderBytes > maxHeadBytesCap {
		l.MaxHeaderBytes = maxHeadBytesCap
	}
	if l.MaxTargetBytes > l.MaxHeaderBytes {
		l.MaxTargetBytes = l.MaxHeaderBytes
	}
	if l.MaxHeaderCount <= 0 {
		l.MaxHeaderCount = DefaultMaxHeaderCount
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return l
}

// Error is a request the server must refuse. Status is the code to answer
// with (400, 413, 414, 431, 501, 505, or 500 for an internal error); after writing
// the response the server must close the connection. Errors returned by this
// package are the package-level values below, so returning one never
// allocates and errors.Is works by identity.
type Error struct {
	Status int    // HTTP status code to send before closing
	Reason string // short human-readable cause, safe to log or send

	index uint8 // position in errorsByIndex, for the per-reason counters
}

// Error implements error.
func (e *Error) Error() string {
	return "http: " + statusText(e.Status) + ": " + e.Reason
}

// statusText covers exactly the codes this package produces; net/http is
// deliberately not imported so the parser stays free of its dependencies.
func statusText(code int) string {
	switch code {
	case 400:
		return "400 Bad Request"
	case 408:
		return "408 Request Timeout"
	case 413:
		return "413 Content Too Large"
	case 414:
		return "414 URI Too Long"
	case 431:
		return "431 Request Header Fields Too Large"
	case 501:
		return "501 Not Implemented"
	case 505:
		return "505 HTTP Version Not Supported"
	}
	return "500 Internal Server Error"
}

// StatusOf returns the status code carried by err (an *Error or a
// *RequestError, unwrapping as needed), or 400 if err is not from this
// package. It is safe from any goroutine.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Status
	}
	return 400
}

// errorsByIndex lists the package's errors in the order newErr made them
// (all at package initialisation, so it is never written afterwards): the
// servers count refused requests per entry (Stats.BadRequestReasons).
var errorsByIndex []*Error

// maxErrors bounds errorsByIndex, so that the per-loop counters are a
// fixed array.
const maxErrors = 48

func newErr(status int, reason string) *Error {
	if len(errorsByIndex) == maxErrors {
		panic("http: more than maxErrors package errors")
	}
	e := &Error{Status: status, Reason: reason, index: uint8(len(errorsByIndex))}
	errorsByIndex = append(errorsByIndex, e)
	return e
}

// The errors the parser and decoder return, one per class of bad input.
var (
	ErrRequestLine         = newErr(400, "malformed request line")
	ErrMethod              = newErr(400, "invalid method token")
	ErrMethodTooLong       = newErr(501, "method too long to be implemented")
	ErrTarget              = newErr(400, "invalid request-target")
	ErrTargetForm          = newErr(400, "request-target form not allowed for method")
	ErrTargetTooLong       = newErr(414, "request-target too long")
	ErrTargetEscape        = newErr(400, "invalid percent-encoding in the request-target's path")
	ErrVersion             = newErr(400, "malformed HTTP version")
	ErrVersionNotSupported = newErr(505, "HTTP major version not supported")
	ErrBareLF              = newErr(400, "line terminated by bare LF")
	ErrBareCR              = newErr(400, "CR not followed by LF")
	ErrObsFold             = newErr(400, "obsolete line folding or whitespace before field line")
	ErrFieldName           = newErr(400, "invalid field name")
	ErrSpaceBeforeColon    = newErr(400, "whitespace between field name and colon")
	ErrFieldValue          = newErr(400, "invalid character in field value")
	ErrHeaderTooLarge      = newErr(431, "header section too large")
	ErrTooManyHeaders      = newErr(431, "too many header fields")
	ErrHostMissing         = newErr(400, "missing required Host header")
	ErrHostRepeated        = newErr(400, "more than one Host field")
	ErrHostInvalid         = newErr(400, "invalid Host")
	ErrContentLength       = newErr(400, "invalid or conflicting Content-Length")
	ErrCLAndTE             = newErr(400, "both Transfer-Encoding and Content-Length")
	ErrTEHTTP10            = newErr(400, "Transfer-Encoding in an HTTP/1.0 request")
	ErrTENotChunked        = newErr(400, "final transfer coding is not chunked")
	ErrTEChunkedTwice      = newErr(400, "chunked transfer coding applied twice")
	ErrTEUnknown           = newErr(501, "transfer coding not implemented")
	ErrBodyTooLarge        = newErr(413, "body too large")
	ErrChunkSize           = newErr(400, "invalid chunk size line")
	ErrChunkExt            = newErr(400, "invalid chunk extension")
	ErrChunkCRLF           = newErr(400, "chunk data not followed by CRLF")
	ErrTrailerTooLarge     = newErr(431, "trailer section too large")
	errShrunk              = newErr(500, "internal error: input shorter than already parsed")

	// errRequestTimeout is what a client that stalls in a request is
	// answered with (408, see Server's timeouts); not a parser error.
	errRequestTimeout = newErr(408, "request not received in time")
	// errUnknown stands for an error that is not the package's own (none
	// reaches fail today; it keeps the counters' index in range).
	errUnknown = newErr(400, "malformed request")
)
