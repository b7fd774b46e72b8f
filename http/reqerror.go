package http

import (
	"errors"
	"strconv"
)

// RequestError is a problem with a request's content that one of the
// request helpers found: a query or form value that does not parse, a
// malformed or oversized form, multipart body or JSON document, an
// unsupported Content-Type. Status is the code to answer with (400, 413 or
// 415) and Reason says what and where in one line, safe to send to the
// client (it quotes at most a short prefix of the offending input). Err,
// if not nil, is the underlying error (strconv's, mime/multipart's,
// json-iterator's), for errors.Is/As.
//
// Answer it with WriteRequestError, which sends net/http's one-line form
// ("400 Bad Request: query parameter \"page\": invalid integer \"x\"").
type RequestError struct {
	Status int
	Reason string
	Err    error
}

// Error implements error.
func (e *RequestError) Error() string { return "http: " + e.Reason }

// Unwrap returns the underlying error.
func (e *RequestError) Unwrap() error { return e.Err }

func newRequestError(status int, reason string, err error) *RequestError {
	return &RequestError{Status: status, Reason: reason, Err: err}
}

// WriteRequestError answers with the status and reason err carries when it
// is (or wraps) a *RequestError or an *Error of this package: a text/plain
// body "<code> <text>: <reason>" in one line, the form net/http's server
// uses for the requests it refuses. Any other error is answered 500
// Internal Server Error without details (its text may hold what the client
// must not see): log it yourself. Call it from the goroutine that owns w,
// before anything of the response is flushed.
func WriteRequestError(w *ResponseWriter, err error) {
	var re *RequestError
	var pe *Error
	switch {
	case errors.As(err, &re):
		WriteErrorReason(w, re.Status, re.Reason)
	case errors.As(err, &pe):
		WriteErrorReason(w, pe.Status, pe.Reason)
	default:
		WriteError(w, StatusInternalServerError)
	}
}

// WriteErrorReason answers with code and a text/plain body
// "<code> <text>: <reason>\n" (reason should be one line; line breaks in
// it are replaced by spaces so that it stays one), replacing the body
// written so far. Call it from the goroutine that owns w,
// before anything of the response is flushed.
func WriteErrorReason(w *ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	b := strconv.AppendInt(w.Body()[:0], int64(code), 10)
	b = append(b, ' ')
	b = append(b, StatusText(code)...)
	b = append(b, ": "...)
	for i := 0; i < len(reason); i++ {
		c := reason[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	w.SetBody(append(b, '\n'))
}

// quoteInput quotes a piece of client input for a reason: at most 64 bytes
// of it, so that a reason stays one short line whatever was sent.
func quoteInput(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
