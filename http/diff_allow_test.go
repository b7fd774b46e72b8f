package http

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	nethttp "net/http"
	"strconv"
	"strings"
)

// FuzzDifferential's allow-list: the inputs our parser refuses and
// net/http's server takes, each because this parser is deliberately
// stricter, with the RFC 9110/9112 rule that makes it so. An input is
// allowed when our error is one of these and, where a check is given, the
// input shows what the error claims (so a wrong refusal reported under a
// listed error is still caught). Every other acceptance mismatch, in
// either direction, fails the fuzz target; a request we take and net/http
// refuses, where request smuggling hides, has no allowance at all.
var stricterThanNetHTTP = []struct {
	err    error
	reason string
	shows  func(head []byte) bool // nil: the error alone suffices
}{
	{ErrBareLF, "RFC 9112 2.2: a recipient MAY take a bare LF as a line terminator; we do not, since hops that disagree on it are a smuggling vector", hasBareLF},
	{ErrBareCR, "RFC 9112 2.2: a bare CR MUST be treated as invalid (or replaced by SP); net/http keeps it in values", hasBareCR},
	{ErrObsFold, "RFC 9112 5.2: a server MUST reject obs-fold (or replace it); RFC 9112 2.2: whitespace before the first field line MUST be rejected or skipped", nil},
	{ErrHostInvalid, "RFC 9112 3.2 and RFC 3986 3.2.2: a Host that is not uri-host [\":\" port] gets a 400; net/http's ValidHostHeader is a looser byte check", nil},
	{ErrHostMissing, "RFC 9112 3.2: a 1.1 request without Host MUST get a 400 (net/http's server agrees for most targets; absolute-form takes the target's authority there)", nil},
	{ErrTarget, "RFC 9112 3.2 and RFC 3986: bytes outside the URI grammar (controls, non-ASCII, bad percent-escapes) are refused; net/http's ParseRequestURI is lax", nil},
	{ErrTargetForm, "RFC 9112 3.2.3-3.2.4: authority-form only with CONNECT, asterisk-form only with OPTIONS", nil},
	{ErrRequestLine, "RFC 9112 3: method SP request-target SP HTTP-version, single spaces; net/http splits more loosely", nil},
	{ErrVersion, "RFC 9112 2.3: HTTP-version is \"HTTP/\" DIGIT \".\" DIGIT; net/http takes multi-digit numbers", nil},
	{ErrVersionNotSupported, "RFC 9110 15.6.6: a major version other than 1 gets 505 on an HTTP/1.1 parser", nil},
	{ErrMethod, "RFC 9110 9.1: method is a token", nil},
	{ErrFieldName, "RFC 9110 5.1: a field name is a token", nil},
	{ErrFieldValue, "RFC 9110 5.5: field values are VCHAR, obs-text, SP and HTAB; other controls are refused", nil},
	{ErrSpaceBeforeColon, "RFC 9112 5.1: whitespace between field name and colon MUST get a 400", nil},
	{ErrContentLength, "RFC 9110 8.6 and RFC 9112 6.3: Content-Length is 1*DIGIT; a list or differing values is refused rather than collapsed", nil},
	{ErrCLAndTE, "RFC 9112 6.1: a server MAY reject a request with both Transfer-Encoding and Content-Length; we do, as the classic smuggling shape", func(h []byte) bool {
		return bytes.Contains(bytes.ToLower(h), []byte("transfer-encoding")) && bytes.Contains(bytes.ToLower(h), []byte("content-length"))
	}},
	{ErrTEHTTP10, "RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated as having faulty framing; we refuse it, net/http ignores the field", nil},
	{ErrTENotChunked, "RFC 9112 6.3: a request whose final coding is not chunked has no reliable length: 400", nil},
	{ErrTEChunkedTwice, "RFC 9112 6.1: chunked MUST NOT be applied more than once", nil},
	{ErrTEUnknown, "RFC 9112 6.1: a coding the server does not implement gets 501", nil},
	{ErrChunkSize, "RFC 9112 7.1: chunk-size is 1*HEXDIG, followed only by chunk-ext and CRLF; net/http takes trailing whitespace", nil},
	{ErrChunkExt, "RFC 9112 7.1.1: chunk-ext is ;token[=token/quoted-string] with BWS only", nil},
	{ErrChunkCRLF, "RFC 9112 7.1: chunk-data is followed by CRLF", nil},
	{ErrHeaderTooLarge, "RFC 6585 5: our header limit is smaller than net/http's 1 MiB", nil},
	{ErrTooManyHeaders, "RFC 6585 5: we bound the number of fields, net/http does not", nil},
	{ErrTargetTooLong, "RFC 9110 15.5.15: our target limit", nil},
	{ErrMethodTooLong, "RFC 9110 15.6.2: a method longer than any we implement gets 501", nil},
	{ErrTrailerTooLarge, "RFC 6585 5: our trailer limit", nil},
	{ErrBodyTooLarge, "RFC 9110 15.5.14: our body limit", nil},
}

// allowedStricter returns the reason we may refuse data that net/http
// takes, or "" when the refusal is not on the list.
func allowedStricter(err error, data []byte) string {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i+4]
	}
	for _, a := range stricterThanNetHTTP {
		if errors.Is(err, a.err) && (a.shows == nil || a.shows(head)) {
			return a.reason
		}
	}
	return ""
}

func hasBareLF(b []byte) bool {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

func hasBareCR(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return true
		}
	}
	return false
}

// netHTTPServerRefuses reports what net/http's server refuses beyond
// ReadRequest (server.go's readRequest): a 1.1 request other than CONNECT
// without a Host field, or with more than one.
func netHTTPServerRefuses(std *nethttp.Request, data []byte) string {
	hosts := 0
	lines := bytes.Split(data, []byte("\r\n"))
	for _, l := range lines[1:] {
		if len(l) == 0 {
			break
		}
		if name, _, ok := bytes.Cut(l, []byte(":")); ok && strings.EqualFold(string(name), "host") {
			hosts++
		}
	}
	switch {
	case hosts > 1:
		return "too many Host headers"
	case hosts == 0 && std.ProtoAtLeast(1, 1) && std.Method != "CONNECT":
		return "missing required Host header"
	}
	return ""
}

// laxerThanNetHTTP returns the reason we may take data that net/http
// refuses, or "". Only two shapes are allowed, both RFC-sanctioned and
// neither one that can make two parsers disagree on where a request
// ends: empty lines before the request line, and a Content-Length list of
// identical values.
func laxerThanNetHTTP(req *Request, data []byte) string {
	if trimmed := bytes.TrimLeft(data, "\r\n"); len(trimmed) < len(data) && bytes.HasPrefix(data, []byte("\r\n")) {
		std, err := nethttp.ReadRequest(bufio.NewReader(bytes.NewReader(trimmed)))
		if err == nil {
			if _, err = io.ReadAll(std.Body); err == nil {
				return "RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) before the request-line; net/http does not"
			}
		}
	}
	if identicalContentLengthList(req) {
		return "RFC 9110 8.6: a Content-Length list of identical values MAY be taken as that one value; net/http refuses the list form"
	}
	return ""
}

// identicalContentLengthList reports whether a Content-Length field of
// req holds a comma-separated list and every value in every such field is
// the length req was given.
func identicalContentLengthList(req *Request) bool {
	list := false
	for i := 0; i < req.NumHeaders(); i++ {
		k, v := req.HeaderAt(i)
		if !strings.EqualFold(string(k), "content-length") {
			continue
		}
		for _, part := range strings.Split(string(v), ",") {
			if n, err := strconv.ParseInt(strings.Trim(part, " \t"), 10, 64); err != nil || n != req.ContentLength() {
				return false
			}
		}
		list = list || strings.Contains(string(v), ",")
	}
	return list
}
