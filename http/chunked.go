package http

import "bytes"

// Chunked decoder states.
const (
	cdSize    uint8 = iota // in a chunk-size line starting at r
	cdData                 // copying chunk data; remaining bytes left
	cdCRLF                 // need the CRLF that ends chunk data
	cdTrailer              // in the trailer section; line starts at r
	cdDone
	cdFailed
)

// chunkedDecoder decodes a chunked body (RFC 9112 7.1) in place: chunk data
// is moved left over the chunk-size lines, so after each call
// body[:Len()] is the contiguous decoded body so far, where body is the
// connection's input from the end of the head (data[req.headLength():]).
//
// All state is offsets relative to the body start, so the glue may move its
// buffer between calls as long as the bytes from the body start are kept:
// the decoded prefix and the not-yet-decoded rest. Chunk extensions are
// parsed (so malformed ones are refused) and ignored; trailer fields are
// validated like header fields, bounded by Limits.MaxHeaderBytes, and
// ignored. Bare LF is refused everywhere: chunk framing is where lenient
// parsing enables request smuggling.
//
// The zero value is ready to use with default limits. Size: 64 bytes. Like
// parser it belongs to one connection's event-loop goroutine.
type chunkedDecoder struct {
	maxBody   int64
	remaining int64 // chunk data still to move
	err       *Error
	r         int // raw bytes consumed, relative to the body start
	w         int // decoded bytes, relative to the body start
	scan      int // where the search for the current line's LF resumes
	trStart   int // start of the trailer section
	maxTrail  int32
	state     uint8
}

// newChunkedDecoder returns a decoder enforcing l's body and trailer limits.
func newChunkedDecoder(l Limits) *chunkedDecoder {
	d := &chunkedDecoder{}
	d.Reset(l)
	return d
}

// Reset prepares the decoder for the next chunked body, with limits l (zero
// fields take defaults).
func (d *chunkedDecoder) Reset(l Limits) {
	l = l.withDefaults()
	*d = chunkedDecoder{maxBody: l.MaxBodyBytes, maxTrail: int32(l.MaxHeaderBytes)}
}

// Len returns the number of decoded bytes: body[:Len()] is the body so far.
func (d *chunkedDecoder) Len() int { return d.w }

// Consumed returns how many raw bytes of the body region have been
// processed; once Decode reports done it is the full length of the chunked
// body including the last chunk and trailers, i.e. the glue consumes
// headLength()+Consumed() bytes for this request.
func (d *chunkedDecoder) Consumed() int { return d.r }

// Decode continues decoding body, which must hold the same bytes as on the
// previous call (possibly moved) plus any new ones. It returns done once the
// last chunk and trailer section are complete, and an *Error (400, 413 or
// 431) if the body must be refused, after which the decoder stays failed.
// Decoded bytes are counted against MaxBodyBytes as chunk sizes are read, so
// an oversized body is refused before its data is buffered. Work is linear
// in the new bytes; nothing is allocated.
func (d *chunkedDecoder) Decode(body []byte) (done bool, err error) {
	switch {
	case d.state == cdDone:
		return true, nil
	case d.state == cdFailed:
		return false, d.err
	case len(body) < d.r:
		return d.fail(errShrunk)
	}
	if d.maxBody == 0 {
		d.Reset(Limits{})
	}
	for {
		switch d.state {
		case cdSize, cdTrailer:
			lf, e := d.line(body)
			if e != nil {
				return d.fail(e)
			}
			if lf < 0 {
				return false, nil
			}
			if d.state == cdSize {
				e = d.sizeLine(body[d.r : lf-1])
			} else if lf-1 == d.r {
				d.state = cdDone
			} else {
				_, _, _, e = parseFieldLine(body[d.r : lf-1])
			}
			if e != nil {
				return d.fail(e)
			}
			d.r, d.scan = lf+1, lf+1
			if d.state == cdDone {
				return true, nil
			}
		case cdData:
			k := min(d.remaining, int64(len(body)-d.r))
			copy(body[d.w:], body[d.r:d.r+int(k)]) // memmove: overlap is fine
			d.w += int(k)
			d.r += int(k)
			d.remaining -= k
			if d.remaining > 0 {
				return false, nil
			}
			d.state = cdCRLF
		case cdCRLF:
			if len(body)-d.r < 2 {
				if len(body) > d.r && body[d.r] != '\r' {
					return d.fail(ErrChunkCRLF)
				}
				return false, nil
			}
			if body[d.r] != '\r' || body[d.r+1] != '\n' {
				return d.fail(ErrChunkCRLF)
			}
			d.r += 2
			d.scan = d.r
			d.state = cdSize
		}
	}
}

// line finds the LF ending the line that starts at d.r, resuming the search
// where the previous call stopped. It returns -1 if the line is incomplete,
// and refuses lines (or trailer sections) that are, or have become, longer
// than their bound; the check is made the same way whether the line arrived
// whole or in pieces, so results do not depend on how input was split.
func (d *chunkedDecoder) line(body []byte) (int, *Error) {
	j := bytes.IndexByte(body[d.scan:], '\n')
	limit, start, tooLong := maxChunkLineBytes, d.r, ErrChunkSize
	if d.state == cdTrailer {
		limit, start, tooLong = int(d.maxTrail), d.trStart, ErrTrailerTooLarge
	}
	if j < 0 {
		d.scan = len(body)
		if len(body)-start > limit {
			return -1, tooLong
		}
		return -1, nil
	}
	lf := d.scan + j
	if lf+1-start > limit {
		return -1, tooLong
	}
	if lf == d.r || body[lf-1] != '\r' {
		return -1, ErrBareLF
	}
	return lf, nil
}

// sizeLine parses chunk-size [ chunk-ext ] (without CRLF) and moves to the
// chunk's data, or to the trailer section for the last chunk.
func (d *chunkedDecoder) sizeLine(line []byte) *Error {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		h := unhex(line[i])
		if h < 0 {
			break
		}
		if n>>59 != 0 {
			return ErrChunkSize // would overflow int64
		}
		n = n<<4 | int64(h)
	}
	if i == 0 {
		return ErrChunkSize
	}
	if !validChunkExt(line[i:]) {
		return ErrChunkExt
	}
	// Overhead (size lines, CRLFs) is bounded too: it is buffered just
	// like data, and tiny chunks with long extensions would otherwise let
	// a client make the server hold far more than MaxBodyBytes.
	if int64(d.r-d.w+len(line)) > max(d.maxBody, 64<<10) {
		return ErrBodyTooLarge
	}
	if n == 0 {
		d.state, d.trStart = cdTrailer, d.r+len(line)+2
		return nil
	}
	if n > d.maxBody-int64(d.w) {
		return ErrBodyTooLarge
	}
	d.remaining, d.state = n, cdData
	return nil
}

// validChunkExt accepts *( BWS ";" BWS name [ BWS "=" BWS value ] ) where
// name is a token and value a token or quoted-string (RFC 9112 7.1.1).
// Whitespace not followed by ';' (e.g. "5 ") is refused: it is not in the
// grammar and lenient peers disagree about it.
func validChunkExt(b []byte) bool {
	for len(b) > 0 {
		b = skipOWS(b)
		if len(b) == 0 || b[0] != ';' {
			return false
		}
		b = skipOWS(b[1:])
		n := tokenLen(b)
		if n == 0 {
			return false
		}
		b = b[n:]
		if v := skipOWS(b); len(v) > 0 && v[0] == '=' {
			v = skipOWS(v[1:])
			if len(v) > 0 && v[0] == '"' {
				n = quotedLen(v)
			} else {
				n = tokenLen(v)
			}
			if n == 0 {
				return false
			}
			b = v[n:]
		}
	}
	return true
}

// quotedLen returns the length of the quoted-string at the start of b, or 0
// if it is malformed or unterminated.
func quotedLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(b) || classes[b[i]]&clsValue == 0 {
				return 0
			}
		case classes[c]&clsValue == 0:
			return 0
		}
	}
	return 0
}

func tokenLen(b []byte) int {
	i := 0
	for i < len(b) && classes[b[i]]&clsToken != 0 {
		i++
	}
	return i
}

func skipOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	return b
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func (d *chunkedDecoder) fail(err *Error) (bool, error) {
	d.state, d.err = cdFailed, err
	return false, err
}
