package http

import "strconv"

// Status codes this package uses by name.
const (
	StatusContinue            = 100
	StatusOK                  = 200
	StatusNoContent           = 204
	StatusNotModified         = 304
	StatusBadRequest          = 400
	StatusNotFound            = 404
	StatusMethodNotAllowed    = 405
	StatusRequestTimeout      = 408
	StatusInternalServerError = 500
	StatusServiceUnavailable  = 503

	// The request and response helpers' codes (bind.go, form.go,
	// respond.go).
	StatusCreated               = 201
	StatusMovedPermanently      = 301
	StatusFound                 = 302
	StatusSeeOther              = 303
	StatusTemporaryRedirect     = 307
	StatusPermanentRedirect     = 308
	StatusRequestEntityTooLarge = 413
	StatusUnsupportedMediaType  = 415
)

// statusReasons are the reason phrases of RFC 9110 section 15.
var statusReasons = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
	411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
	414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
	417: "Expectation Failed", 421: "Misdirected Request", 422: "Unprocessable Content",
	425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
	429: "Too Many Requests", 431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

// StatusText returns the reason phrase for code, or "" if it is unknown.
func StatusText(code int) string { return statusReasons[code] }

// statusLines holds the precomputed "HTTP/1.1 NNN Reason\r\n" for every
// known code, so writing a status line is one append. Built once at package
// initialisation and never written again.
var statusLines = func() [600][]byte {
	var t [600][]byte
	for code := 100; code < 600; code++ {
		t[code] = []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + statusReasons[code] + "\r\n")
	}
	return t
}()

func appendStatusLine(dst []byte, code int) []byte {
	if code >= 100 && code < 600 {
		return append(dst, statusLines[code]...)
	}
	return append(dst, "HTTP/1.1 "+strconv.Itoa(code)+" \r\n"...)
}

// bodyAllowed reports whether a response with this status may carry a body
// (RFC 9110 6.4.1: not 1xx, 204 or 304).
func bodyAllowed(code int) bool {
	return code >= 200 && code != 204 && code != 304
}
