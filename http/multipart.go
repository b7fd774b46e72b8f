package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
)

// Open opens the file's content for reading. A file held in memory can be
// opened at any time while the Form is valid; a spilled one only until
// the response is finished (its temporary file is removed then; a handle
// opened before stays readable until closed).
func (fh *FileHeader) Open() (multipart.File, error) {
	if fh.path == "" {
		return nopCloserFile{bytes.NewReader(fh.content)}, nil
	}
	f, err := os.Open(fh.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errSpillRemoved
	}
	return f, err
}

type nopCloserFile struct{ *bytes.Reader }

func (nopCloserFile) Close() error { return nil }

// partOverhead is what each part costs the MaxValueBytes budget besides its
// header and value bytes (the bookkeeping), as mime/multipart charges.
const partOverhead = 200

// countingReader counts what is read from r and stops at limit, so that a
// streamed body that never ends (an endless part) is cut off.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

var errFormTooLarge = errors.New("form body over the limit")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, errFormTooLarge
	}
	if rest := c.limit - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readMultipart reads a multipart/form-data body with mime/multipart's
// Reader (its part-header limits included) and this package's limits.
// On error every file it spilled is removed before it returns.
func readMultipart(w *ResponseWriter, body io.Reader, boundary string, o FormOptions) (form *Form, err error) {
	cr := &countingReader{r: body, limit: o.MaxBytes}
	mr := multipart.NewReader(cr, boundary)
	f := &Form{Params: Params{kind: "form field", pairs: []formPair{}}}
	var spilled []string
	defer func() {
		if err != nil {
			for _, p := range spilled {
				_ = os.Remove(p)
			}
		}
	}()
	valueBudget, memoryBudget := o.MaxValueBytes, o.MaxMemory
	var buf bytes.Buffer
	for parts := 0; ; parts++ {
		p, perr := mr.NextPart()
		if perr == io.EOF {
			return f, nil
		}
		if perr != nil {
			return nil, multipartError(cr, "reading a part header", perr)
		}
		if parts == o.MaxParts {
			return nil, newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("more than %d multipart parts", o.MaxParts), nil)
		}
		valueBudget -= partOverhead
		for k, vs := range p.Header {
			valueBudget -= int64(len(k))
			for _, v := range vs {
				valueBudget -= int64(len(v))
			}
		}
		name := p.FormName()
		valueBudget -= int64(len(name))
		if valueBudget < 0 {
			return nil, tooMuchValue(o)
		}
		if name == "" {
			// Not a form field (net/http skips these too): drain it.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, multipartError(cr, "reading a part", err)
			}
			continue
		}
		filename := p.FileName()
		if filename == "" {
			// A value (mime/multipart's rule: a part without a file name): into memory, bounded by what is left of the budget.
			buf.Reset()
			n, err := io.Copy(&buf, io.LimitReader(p, valueBudget+1))
			if err != nil {
				return nil, multipartError(cr, "reading field "+quoteInput(name), err)
			}
			valueBudget -= n
			if valueBudget < 0 {
				return nil, tooMuchValue(o)
			}
			f.pairs = append(f.pairs, formPair{name: name, value: buf.String()})
			continue
		}
		fh := &FileHeader{Field: name, Filename: filename, Header: p.Header}
		// Up to what is left of the memory budget, plus one byte to learn
		// whether the file fits; into a buffer of its own, which the
		// FileHeader keeps when it does.
		var fileBuf bytes.Buffer
		n, err := io.Copy(&fileBuf, io.LimitReader(p, memoryBudget+1))
		if err != nil {
			return nil, multipartError(cr, "reading file "+quoteInput(filename), err)
		}
		if n <= memoryBudget {
			memoryBudget -= n
			fh.content = fileBuf.Bytes()
			fh.Size = n
		} else {
			path, size, err := spill(w, o.TempDir, fileBuf.Bytes(), p)
			if path != "" {
				spilled = append(spilled, path)
			}
			if err != nil {
				return nil, multipartError(cr, "reading file "+quoteInput(filename), err)
			}
			fh.path, fh.Size = path, size
		}
		f.files = append(f.files, fh)
	}
}

// spill writes head and the rest of p to a temporary file that belongs to
// w. It returns the file's path (even on error, so it can be removed) and
// the size.
func spill(w *ResponseWriter, dir string, head []byte, p io.Reader) (string, int64, error) {
	var file *os.File
	var err error
	if w != nil {
		file, err = w.tempFileSet().create(dir)
	} else {
		file, err = os.CreateTemp(dir, "muduo-multipart-")
	}
	if err != nil {
		return "", 0, fmt.Errorf("creating a temporary file: %w", err)
	}
	path := file.Name()
	n, err := file.Write(head)
	size := int64(n)
	if err == nil {
		var m int64
		m, err = io.Copy(file, p)
		size += m
	}
	if cerr := file.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return path, size, err
}

func tooMuchValue(o FormOptions) *RequestError {
	return newRequestError(StatusRequestEntityTooLarge,
		fmt.Sprintf("multipart fields (not files) over %d bytes", o.MaxValueBytes), multipart.ErrMessageTooLarge)
}

// multipartError turns what reading the body failed with into a
// RequestError: 413 when the body went past MaxBytes, 400 for a malformed
// or truncated body, and the stream's own error (the client went away)
// wrapped as a 400 too.
func multipartError(cr *countingReader, doing string, err error) *RequestError {
	switch {
	case errors.Is(err, errFormTooLarge):
		return newRequestError(StatusRequestEntityTooLarge, fmt.Sprintf("multipart body over %d bytes", cr.limit), err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return newRequestError(StatusBadRequest, "multipart body ends before its closing boundary ("+doing+")", err)
	case errors.Is(err, multipart.ErrMessageTooLarge):
		return newRequestError(StatusRequestEntityTooLarge, "multipart part header too large ("+doing+")", err)
	}
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, errTempFilesDone) {
		// Our side: the temporary file. Not the client's fault, but it
		// must still be answered; 500 without details.
		return &RequestError{Status: StatusInternalServerError, Reason: "storing an uploaded file", Err: err}
	}
	return newRequestError(StatusBadRequest, "malformed multipart body ("+doing+"): "+oneLine(err.Error()), err)
}

// oneLine keeps an error text to one short line for a reason.
func oneLine(s string) string {
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}
