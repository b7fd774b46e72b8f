package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"os"
)

// FormOptions bounds what parsing a form may use. A zero field means the
// default. The defaults are net/http's where it has one.
type FormOptions struct {
	// MaxMemory bounds the bytes of uploaded files kept in memory, all
	// files together (default 32 MiB, net/http's ParseMultipartForm
	// default). A file that does not fit in what is left is written to a
	// temporary file instead; temporary files are removed when the
	// response is finished (the handler returned or, for a detached
	// handler, Finish) or when the connection closes.
	MaxMemory int64
	// MaxBytes bounds the whole body read (default 64 MiB). A complete
	// body is already bounded by the server's Limits.MaxBodyBytes; this is
	// the bound for a streamed body (ReadForm). Over it: 413.
	MaxBytes int64
	// MaxValueBytes bounds the memory of the fields that are not files,
	// names, values and part headers together (default 10 MiB, net/http's
	// bound for urlencoded bodies and multipart values). Over it: 413.
	MaxValueBytes int64
	// MaxParts bounds the number of fields and files (default 1000, the
	// bound of mime/multipart's ReadForm). Over it: 413.
	MaxParts int
	// TempDir is where files past MaxMemory go (default os.TempDir(),
	// which follows $TMPDIR).
	TempDir string
}

// Defaults of FormOptions.
const (
	DefaultFormMaxMemory     = 32 << 20
	DefaultFormMaxBytes      = 64 << 20
	DefaultFormMaxValueBytes = 10 << 20
	DefaultFormMaxParts      = 1000
)

func (o FormOptions) withDefaults() FormOptions {
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultFormMaxMemory
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultFormMaxBytes
	}
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = DefaultFormMaxValueBytes
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultFormMaxParts
	}
	return o
}

// Form is a parsed application/x-www-form-urlencoded or
// multipart/form-data body: its fields (Params, with the typed getters)
// and, for multipart, its files.
//
// A Form from Request.Form is valid until the handler returns (its values
// may be views of the request body; see Params); one from ReadForm owns
// its bytes and is valid until the response is finished. The files it
// spilled to disk are removed when the response is finished or the
// connection closes, so an open file handle is the only way to keep
// reading one after that. A Form may be read from several goroutines at
// once; it is never modified after parsing.
type Form struct {
	Params               // the fields that are not files, in order
	files  []*FileHeader // the files, in order
}

// Files returns the uploaded files of the field name, in order, or nil.
func (f *Form) Files(name string) []*FileHeader {
	var fs []*FileHeader
	for _, fh := range f.files {
		if fh.Field == name {
			fs = append(fs, fh)
		}
	}
	return fs
}

// File returns the first uploaded file of the field name, or nil.
func (f *Form) File(name string) *FileHeader {
	for _, fh := range f.files {
		if fh.Field == name {
			return fh
		}
	}
	return nil
}

// RemoveAll removes the temporary files of the form's spilled files now,
// rather than when the response is finished (and is what removes them
// for a form ReadForm parsed with a nil writer). Open fails for them
// afterwards. Safe to call more than once.
func (f *Form) RemoveAll() error {
	var first error
	for _, fh := range f.files {
		if fh.path != "" {
			if err := os.Remove(fh.path); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
				first = err
			}
		}
	}
	return first
}

// AllFiles returns every uploaded file in the order they came. The slice
// is the form's: do not modify it.
func (f *Form) AllFiles() []*FileHeader { return f.files }

// Form parses the request body as a form with the default FormOptions
// (see FormWith).
func (r *Request) Form() (*Form, error) { return r.FormWith(FormOptions{}) }

// FormWith parses the request body as a form according to its
// Content-Type: application/x-www-form-urlencoded (the body is decoded on
// demand, by url.ParseQuery's rules) or multipart/form-data (by
// mime/multipart, files past opts.MaxMemory spilled to temporary files).
// The result, or the error, is kept: later calls return it whatever their
// options. A request without a body and without a Content-Type has an
// empty form; any other Content-Type is a 415 *RequestError, a malformed
// body a 400 and a body over a limit a 413, each naming the problem (send
// it with WriteRequestError).
//
// Call it in the handler, before it returns (or Detach): the form is valid
// until the handler returns; see Form for the files. Not for a
// StreamingHandler, whose body arrives later: use ReadForm.
func (r *Request) FormWith(opts FormOptions) (*Form, error) {
	if r.form != nil || r.formErr != nil {
		return r.form, r.formErr
	}
	r.form, r.formErr = parseForm(r.rw, bytes.NewReader(r.body), r.body, unsafeString(r.Header("Content-Type")), opts.withDefaults())
	return r.form, r.formErr
}

// FormValue returns the first value of the form field name, or of the
// query parameter name if the form has none, as net/http's FormValue does
// (body first). Errors in parsing the form are ignored: use Form to see
// them. The string may be a view (see Params).
func (r *Request) FormValue(name string) string {
	if f, err := r.Form(); err == nil {
		if v, ok := f.Lookup(name); ok {
			return v
		}
	}
	return r.Query(name)
}

// ReadForm parses a form from body, a streamed request body (see
// StreamingHandler), as Request.FormWith does from a complete one;
// contentType is the request's Content-Type (copy it from the Request
// before ServeStream returns). Files spilled to disk belong to w and are
// removed when its response is finished or its connection closes, so call
// it before Finish, from the goroutine that owns w; with a nil w the
// caller removes them (Form.RemoveAll). The Form owns its bytes. Reading
// stops at opts.MaxBytes (413).
func ReadForm(w *ResponseWriter, body io.Reader, contentType string, opts FormOptions) (*Form, error) {
	return parseForm(w, body, nil, contentType, opts.withDefaults())
}

// parseForm parses a form from body; whole, when not nil, is all of body
// already in memory (no copy is made of a urlencoded one).
func parseForm(w *ResponseWriter, body io.Reader, whole []byte, contentType string, o FormOptions) (*Form, error) {
	if contentType == "" {
		if whole != nil && len(whole) == 0 {
			return &Form{Params: Params{kind: "form field"}}, nil
		}
		return nil, newRequestError(StatusUnsupportedMediaType, "form body without Content-Type", nil)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, newRequestError(StatusBadRequest, "malformed Content-Type "+quoteInput(contentType), err)
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return readURLEncoded(body, whole, o)
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, newRequestError(StatusBadRequest, "multipart/form-data without boundary", nil)
		}
		return readMultipart(w, body, boundary, o)
	}
	return nil, newRequestError(StatusUnsupportedMediaType,
		"Content-Type "+quoteInput(mt)+" is not a form (want application/x-www-form-urlencoded or multipart/form-data)", nil)
}

func readURLEncoded(body io.Reader, whole []byte, o FormOptions) (*Form, error) {
	limit := min(o.MaxValueBytes, o.MaxBytes)
	raw := whole
	if raw == nil {
		var err error
		raw, err = io.ReadAll(io.LimitReader(body, limit+1))
		if err != nil {
			return nil, newRequestError(StatusBadRequest, "reading the form body: "+err.Error(), err)
		}
	}
	if int64(len(raw)) > limit {
		return nil, newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("urlencoded form over %d bytes", limit), nil)
	}
	p := Params{raw: raw, kind: "form field"}
	if n := bytes.Count(raw, []byte{'&'}) + 1; n > o.MaxParts && p.Len() > o.MaxParts {
		return nil, newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("more than %d form fields", o.MaxParts), nil)
	}
	return &Form{Params: p}, nil
}

// FileHeader is one uploaded file of a multipart form.
type FileHeader struct {
	Field    string               // the form field's name
	Filename string               // the file name the client sent, without directories (mime/multipart's FileName)
	Header   textproto.MIMEHeader // the part's header
	Size     int64                // bytes of content

	content []byte // in memory; nil when spilled
	path    string // the temporary file, when spilled
}

// InMemory reports whether the content is held in memory (not spilled to a
// temporary file).
func (fh *FileHeader) InMemory() bool { return fh.path == "" }

// errSpillRemoved is what Open returns for a spilled file once the
// response is finished: its temporary file is gone.
var errSpillRemoved = errors.New("http: uploaded file's temporary file was removed (the response is finished)")
