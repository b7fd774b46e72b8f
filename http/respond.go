package http

import (
	"encoding"
	"encoding/json"
	"mime"
	"net/url"
	"path"
	"reflect"
	"strings"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"
	"github.com/modern-go/reflect2"
)

// JSON sets the status to code and Content-Type to application/json, and
// appends v encoded as encoding/json's Marshal would (json-iterator, no
// trailing newline) to the body. The encoding goes straight into the
// writer's buffer: it allocates nothing beyond what json-iterator's
// encoder for v's type does (nothing for structs of strings, numbers,
// bools, slices and maps of them). If v can not be encoded, the body is
// left as it was and the error returned: answer 500 yourself. Call it from
// the goroutine that owns w.
func (w *ResponseWriter) JSON(code int, v any) error {
	if w.detached {
		w.mu.Lock()
		defer w.mu.Unlock()
	}
	stream := jsonStandard.BorrowStream(nil)
	before := len(w.body)
	stream.SetBuffer(w.body)
	encodeJSON(stream, v)
	b, err := stream.Buffer(), stream.Error
	stream.SetBuffer(nil) // the buffer is the writer's: the pool must not keep it
	jsonStandard.ReturnStream(stream)
	if err != nil {
		w.body = b[:before]
		return err
	}
	w.header.Set("Content-Type", "application/json")
	w.setStatusLocked(code)
	w.written += int64(len(b) - before)
	w.body = b
	return nil
}

// The interfaces that make a pointer encode itself.
var (
	jsonMarshalerType = reflect2.TypeOfPtr((*json.Marshaler)(nil)).Elem()
	textMarshalerType = reflect2.TypeOfPtr((*encoding.TextMarshaler)(nil)).Elem()
)

// encodeJSON writes v to stream as stream.WriteVal does. A pointer (the
// common call: w.JSON(200, &resp)) is encoded by its element type's
// encoder, given the pointer itself: json-iterator's own path for pointers
// boxes the pointer, one allocation per call. A pointer whose type
// marshals itself (json.Marshaler, encoding.TextMarshaler) goes the
// ordinary way.
func encodeJSON(stream *jsoniter.Stream, v any) {
	typ := reflect2.TypeOf(v)
	if typ != nil && typ.Kind() == reflect.Ptr && !typ.Implements(jsonMarshalerType) && !typ.Implements(textMarshalerType) {
		p := reflect2.PtrOf(v)
		if p == nil {
			stream.WriteNil()
			return
		}
		jsonStandard.EncoderOf(typ.(reflect2.PtrType).Elem()).Encode(p, stream)
		return
	}
	stream.WriteVal(v)
}

// setStatusLocked is WriteHeader for a caller that holds w.mu (or owns a
// writer that is not detached).
func (w *ResponseWriter) setStatusLocked(code int) {
	if !w.headerSent && code >= 200 && code <= 999 {
		w.status = code
	}
}

// Text sets the status to code and Content-Type to text/plain;
// charset=utf-8, and appends s to the body.
func (w *ResponseWriter) Text(code int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.WriteString(s)
}

// Blob sets the status to code and the Content-Type to contentType (if not
// empty), and appends b to the body.
func (w *ResponseWriter) Blob(code int, contentType string, b []byte) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// Attachment sets Content-Disposition so that a browser saves the body as
// filename (RFC 6266): `attachment; filename="name"`, plus
// filename*=utf-8”... (RFC 8187) with an ASCII fallback when the name is
// not ASCII. Directories in filename are dropped. See Inline.
func (w *ResponseWriter) Attachment(filename string) {
	w.Header().Set("Content-Disposition", ContentDisposition("attachment", filename))
}

// Inline is Attachment for a body the browser should show, naming the file
// it saves as: `inline; filename="name"`.
func (w *ResponseWriter) Inline(filename string) {
	w.Header().Set("Content-Disposition", ContentDisposition("inline", filename))
}

// ContentDisposition returns a Content-Disposition value of disposition
// type kind ("attachment", "inline") for filename, encoded as RFC 6266
// recommends: the name quoted by mime.FormatMediaType's rules when it is
// printable ASCII; otherwise an ASCII fallback (non-ASCII runes as '_')
// followed by filename* in RFC 8187's UTF-8 encoding, which browsers
// prefer. Only the last path element of filename is used; an empty name
// gives just kind.
func ContentDisposition(kind, filename string) string {
	if i := strings.LastIndexAny(filename, `/\`); i >= 0 {
		filename = filename[i+1:]
	}
	if filename == "" {
		return kind
	}
	ascii := true
	for i := 0; i < len(filename); i++ {
		if c := filename[i]; c < 0x20 || c >= 0x7f {
			ascii = false
			break
		}
	}
	if ascii {
		if v := mime.FormatMediaType(kind, map[string]string{"filename": filename}); v != "" {
			return v
		}
	}
	var fallback strings.Builder
	for _, r := range filename {
		if r < 0x20 || r >= 0x7f || r == utf8.RuneError {
			r = '_'
		}
		fallback.WriteRune(r)
	}
	v := mime.FormatMediaType(kind, map[string]string{"filename": fallback.String()})
	if v == "" {
		v = kind
	}
	if utf8.ValidString(filename) {
		// FormatMediaType writes a non-ASCII value as filename*=utf-8''...
		if ext := mime.FormatMediaType("x", map[string]string{"filename": filename}); strings.HasPrefix(ext, "x; ") {
			v += "; " + ext[len("x; "):]
		}
	}
	return v
}

// Redirect answers with a redirect to target, by net/http's Redirect
// rules: a target without scheme and host is made absolute against the
// request's path (a relative one resolved against its directory, then
// cleaned, a trailing slash kept); non-ASCII bytes of the Location are
// percent-encoded; a GET or HEAD answer without a Content-Type gets
// text/html and, for GET, a short HTML body linking to the target. code
// should be a 3xx (301, 302, 303, 307, 308). Call it from the goroutine
// that owns w.
func Redirect(w *ResponseWriter, r *Request, target string, code int) {
	if u, err := url.Parse(target); err == nil && u.Scheme == "" && u.Host == "" {
		oldpath := r.PathString() // as sent: net/http's URL.EscapedPath
		if oldpath == "" {
			oldpath = "/"
		}
		if target == "" || target[0] != '/' {
			olddir, _ := path.Split(oldpath)
			target = olddir + target
		}
		var query string
		if i := strings.Index(target, "?"); i != -1 {
			target, query = target[:i], target[i:]
		}
		trailing := strings.HasSuffix(target, "/")
		target = path.Clean(target)
		if trailing && !strings.HasSuffix(target, "/") {
			target += "/"
		}
		target += query
	}
	h := w.Header()
	hadCT := h.Has("Content-Type")
	h.Set("Location", hexEscapeNonASCII(target))
	method := r.Method()
	if !hadCT && (method == "GET" || method == "HEAD") {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(code)
	if !hadCT && method == "GET" {
		_, _ = w.WriteString("<a href=\"" + htmlReplacer.Replace(target) + "\">" + StatusText(code) + "</a>.\n\n")
	}
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func hexEscapeNonASCII(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789abcdef" // lower case, as net/http writes them
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}
