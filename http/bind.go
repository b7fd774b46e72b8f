package http

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	jsoniter "github.com/json-iterator/go"
)

// The json-iterator configurations the helpers use, frozen once: decoding
// and encoding as encoding/json does, and a strict one that refuses
// unknown object members.
var (
	jsonStandard = jsoniter.ConfigCompatibleWithStandardLibrary
	jsonStrict   = jsoniter.Config{EscapeHTML: true, SortMapKeys: true, ValidateJsonRawMessage: true,
		DisallowUnknownFields: true}.Froze()
)

// BindOptions tunes BindJSON. The zero value is the default.
type BindOptions struct {
	// MaxBytes bounds the body (413 over it). Zero: no bound besides the
	// server's Limits.MaxBodyBytes (which a complete body is already
	// under); for DecodeJSON on a stream the default is 1 MiB.
	MaxBytes int64
	// Strict refuses members of a JSON object that the target struct has
	// no field for (encoding/json's DisallowUnknownFields).
	Strict bool
	// AnyContentType skips the Content-Type check, for clients that send
	// JSON without saying so.
	AnyContentType bool
}

// DefaultDecodeJSONMaxBytes is DecodeJSON's default bound on a streamed
// body.
const DefaultDecodeJSONMaxBytes = 1 << 20

// BindJSON decodes the request body, a JSON document, into v (a pointer),
// as encoding/json would, using json-iterator. See BindJSONWith.
func (r *Request) BindJSON(v any) error { return r.BindJSONWith(v, BindOptions{}) }

// BindJSONWith decodes the request body into v. What it refuses comes
// back as a *RequestError to answer with WriteRequestError:
//
//   - 415 when the Content-Type is not JSON (application/json or a
//     media type ending in +json), unless opts.AnyContentType;
//   - 413 when the body is over opts.MaxBytes;
//   - 400 for an empty body, malformed JSON, a value of the wrong type,
//     data after the document, or (opts.Strict) an unknown member: the
//     reason says what and where, e.g. `invalid JSON body at byte 9:
//     main.user.Name: ReadString: expects " or n, but found 1`.
//
// Call it in the handler (the body is valid until it returns). Strings
// decoded into v are copies: v may be kept.
func (r *Request) BindJSONWith(v any, opts BindOptions) error {
	if !opts.AnyContentType {
		if err := checkJSONContentType(unsafeString(r.Header("Content-Type"))); err != nil {
			return err
		}
	}
	if opts.MaxBytes > 0 && int64(len(r.body)) > opts.MaxBytes {
		return newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("JSON body over %d bytes", opts.MaxBytes), nil)
	}
	return decodeJSON(r.body, v, opts.Strict)
}

// DecodeJSON reads a JSON document from body (a streamed request body, see
// StreamingHandler) and decodes it into v, as BindJSONWith does with a
// complete one; contentType is the request's Content-Type (copied before
// ServeStream returned). At most opts.MaxBytes (default 1 MiB) are read.
func DecodeJSON(body io.Reader, contentType string, v any, opts BindOptions) error {
	if !opts.AnyContentType {
		if err := checkJSONContentType(contentType); err != nil {
			return err
		}
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultDecodeJSONMaxBytes
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return newRequestError(StatusBadRequest, "reading the JSON body: "+oneLine(err.Error()), err)
	}
	if int64(len(b)) > limit {
		return newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("JSON body over %d bytes", limit), nil)
	}
	return decodeJSON(b, v, opts.Strict)
}

func checkJSONContentType(ct string) error {
	if ct == "" {
		return newRequestError(StatusUnsupportedMediaType, "no Content-Type, want application/json", nil)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return newRequestError(StatusBadRequest, "malformed Content-Type "+quoteInput(ct), err)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return newRequestError(StatusUnsupportedMediaType, "Content-Type "+quoteInput(mt)+" is not JSON, want application/json", nil)
	}
	return nil
}

// errTrailingJSON is the cause of a body with more after its document.
var errTrailingJSON = errors.New("data after the JSON document")

func decodeJSON(body []byte, v any, strict bool) error {
	if len(strings.TrimSpace(unsafeString(body))) == 0 {
		return newRequestError(StatusBadRequest, "empty body, want a JSON document", io.EOF)
	}
	cfg := jsonStandard
	if strict {
		cfg = jsonStrict
	}
	iter := cfg.BorrowIterator(body)
	defer cfg.ReturnIterator(iter)
	iter.ReadVal(v)
	if err := iter.Error; err != nil && err != io.EOF {
		return jsonError(body, err)
	}
	// One document only: anything but white space after it is an error,
	// as encoding/json's Unmarshal says.
	if iter.WhatIsNext() != jsoniter.InvalidValue || iter.Error != io.EOF {
		return newRequestError(StatusBadRequest, "invalid JSON body: data after the JSON document", errTrailingJSON)
	}
	return nil
}

// jsonError turns a json-iterator error ("T.Field: ReadString: expects
// ..., error found in #9 byte of ...|context|...") into a one-line
// reason with the byte offset, without the context it quotes.
func jsonError(body []byte, err error) *RequestError {
	msg := err.Error()
	what, rest, found := strings.Cut(msg, ", error found in #")
	if !found {
		return newRequestError(StatusBadRequest, "invalid JSON body: "+oneLine(msg), err)
	}
	num, _, _ := strings.Cut(rest, " ")
	offset, convErr := strconv.Atoi(num)
	if convErr != nil {
		return newRequestError(StatusBadRequest, "invalid JSON body: "+oneLine(what), err)
	}
	if strings.Contains(what, "\x00") && !strings.Contains(unsafeString(body), "\x00") {
		// json-iterator reports the end of input as a NUL it "found".
		return newRequestError(StatusBadRequest, "invalid JSON body: unexpected end of the document at byte "+strconv.Itoa(len(body)), err)
	}
	return newRequestError(StatusBadRequest, "invalid JSON body at byte "+strconv.Itoa(offset)+": "+oneLine(what), err)
}
