package fileserver

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	nethttp "net/http"
	"path"
	"strconv"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// sniffLen is how many bytes content sniffing reads (net/http's).
const sniffLen = 512

// contentType returns the file's Content-Type: by the extension of its
// name, else by sniffing its first bytes (net/http's DetectContentType).
// Decided once per open file.
func (f *file) contentType() string {
	f.ctypeOnce.Do(func() {
		if ct := mime.TypeByExtension(path.Ext(f.name)); ct != "" {
			f.ctype = ct
			return
		}
		var buf [sniffLen]byte
		n := 0
		if ra, ok := f.readerAt(); ok {
			n, _ = ra.ReadAt(buf[:], 0)
		} else if s, ok := f.f.(io.Seeker); ok {
			n, _ = io.ReadFull(f.f, buf[:])
			if _, err := s.Seek(0, io.SeekStart); err != nil {
				n = 0
			}
		}
		f.ctype = nethttp.DetectContentType(buf[:max(n, 0)])
	})
	return f.ctype
}

// serveContent answers with the file f (holding one hold on it, given back
// on every path): validators, preconditions, encoding, ranges, body.
func (h *Handler) serveContent(w *http.ResponseWriter, r *http.Request, f *file) {
	hd := w.Header()
	ctype := f.contentType()
	served, encoding := f, ""
	if h.opts.precompressed {
		sib, enc, vary := h.precompressed(r, f)
		if vary {
			hd.Add("Vary", "Accept-Encoding")
		}
		if sib != nil {
			h.cache.release(f)
			served, encoding = sib, enc
		}
	}
	modtime := served.info.ModTime()
	if served.lastModified != "" {
		hd.Set("Last-Modified", served.lastModified)
	}
	hd.Set("Etag", served.etag)
	status, useRange := preconditions(r, served.etag, modtime)
	switch status {
	case http.StatusNotModified:
		h.cache.release(served)
		hd.Del("Content-Type")
		hd.Del("Content-Length")
		hd.Del("Content-Encoding")
		hd.Del("Last-Modified") // the Etag says it (RFC 9110 15.4.5)
		w.WriteHeader(status)
		return
	case 412:
		h.cache.release(served)
		w.WriteHeader(status)
		return
	}
	if encoding != "" {
		hd.Set("Content-Encoding", encoding)
	}
	hd.Set("Content-Type", ctype)
	size := served.info.Size()
	var ranges []byteRange
	if useRange {
		var err error
		ranges, err = parseRange(header(r, "Range"), size)
		switch {
		case err == errNoOverlap && size == 0:
			// An empty file is sent whole whatever the Range (net/http):
			// clients that add a Range to every request get a 200.
			ranges = nil
		case err != nil:
			h.cache.release(served)
			if err == errNoOverlap {
				hd.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			}
			serveError(w, err.Error(), 416)
			return
		}
	}
	var sum int64
	for _, ra := range ranges {
		sum += ra.length
	}
	_, randomAccess := served.readerAt()
	if sum > size || len(ranges) > maxRanges || (len(ranges) > 1 && !randomAccess) {
		ranges = nil // more than the file: probably hostile; send it whole
	}
	hd.Set("Accept-Ranges", "bytes")
	switch len(ranges) {
	case 0:
		h.send(w, served, 0, size)
	case 1:
		ra := ranges[0]
		hd.Set("Content-Range", ra.contentRange(size))
		w.WriteHeader(statusPartialContent)
		h.send(w, served, ra.start, ra.length)
	default:
		h.sendMultipart(w, served, ranges, ctype, size)
	}
}

// sendMultipart sends ranges as a multipart/byteranges body: the part
// headers written, each range a file transfer between them.
func (h *Handler) sendMultipart(w *http.ResponseWriter, f *file, ranges []byteRange, ctype string, size int64) {
	var rnd [30]byte
	_, _ = rand.Read(rnd[:])
	boundary := hex.EncodeToString(rnd[:])
	w.Header().Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	w.WriteHeader(statusPartialContent)
	buf := make([]byte, 0, 128)
	for i, ra := range ranges {
		buf = partHeader(buf[:0], boundary, i == 0, ra, ctype, size)
		_, _ = w.Write(buf)
		if i < len(ranges)-1 {
			h.cache.retain(f) // a hold per transfer; send takes the last
			h.send(w, f, ra.start, ra.length)
		} else {
			h.send(w, f, ra.start, ra.length)
		}
	}
	_, _ = w.Write(closeDelimiter(buf[:0], boundary))
}

// send adds n bytes of f from off to the body and hands the hold to the
// transfer, which gives it back when the bytes are out (or not needed).
func (h *Handler) send(w *http.ResponseWriter, f *file, off, n int64) {
	if n == 0 {
		h.cache.release(f)
		return
	}
	done := f.release
	if f.osFile != nil {
		_ = w.SendFileFunc(f.osFile, off, n, done)
		return
	}
	if ra, ok := f.readerAt(); ok {
		_ = w.SendReader(io.NewSectionReader(ra, off, n), n, done)
		return
	}
	// A file with neither a descriptor nor random access: one range at
	// most, reached by seeking or reading past the bytes before it.
	if s, ok := f.f.(io.Seeker); ok {
		_, err := s.Seek(off, io.SeekStart)
		if err != nil {
			h.cache.release(f)
			w.Abort(err)
			return
		}
	} else if _, err := io.CopyN(io.Discard, f.f, off); err != nil {
		h.cache.release(f)
		w.Abort(err)
		return
	}
	_ = w.SendReader(f.f, n, done)
}
