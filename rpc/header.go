package rpc

import (
	"bytes"
	"strconv"
)

// MaxHeaderSize bounds the header block of a HeaderCodec frame.
const MaxHeaderSize = 4096

// HeaderCodec frames messages LSP-style: a header block of
// "Name: value\r\n" lines ended by an empty line, then exactly
// Content-Length bytes of body. Content-Length is required; other headers
// (e.g. Content-Type) are ignored; names are case-insensitive. A missing or
// malformed Content-Length or a header block over MaxHeaderSize is
// ErrInvalidStream; a Content-Length over MaxMessageSize is
// ErrMessageTooLarge, reported before any of the body is buffered. Depth is
// left to the dispatcher, which answers a too-deep body with an error
// response while the stream continues (the frame boundary is known).
//
// Scan and Reset belong to the connection's goroutine (one at a time);
// AppendFrame may be called from any goroutine.
type HeaderCodec struct {
	maxSize int

	pos     int // offset up to which the header block was searched
	bodyOff int // offset of the body once the header is parsed, else 0
	bodyLen int
	err     error
}

// NewHeaderCodec returns a HeaderCodec enforcing lim.MaxMessageSize.
func NewHeaderCodec(lim Limits) *HeaderCodec {
	return &HeaderCodec{maxSize: lim.withDefaults().MaxMessageSize}
}

// Reset forgets all state, for a new connection.
func (c *HeaderCodec) Reset() { *c = HeaderCodec{maxSize: c.maxSize} }

// AppendFrame appends "Content-Length: N\r\n\r\n" and msg to dst.
func (c *HeaderCodec) AppendFrame(dst, msg []byte) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(msg)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, msg...)
}

var (
	headerEnd     = []byte("\r\n\r\n")
	contentLength = []byte("content-length")
)

// Scan implements Codec.
func (c *HeaderCodec) Scan(buf []byte) (text []byte, consumed int, err error) {
	if c.err != nil {
		return nil, 0, c.err
	}
	if c.bodyOff == 0 {
		from := max(0, c.pos-3)
		k := bytes.Index(buf[from:min(len(buf), MaxHeaderSize)], headerEnd)
		if k < 0 {
			if len(buf) >= MaxHeaderSize {
				c.err = ErrInvalidStream
				return nil, 0, c.err
			}
			c.pos = len(buf)
			return nil, 0, nil
		}
		k += from
		n, err := parseContentLength(buf[:k])
		if err == nil && n > c.maxSize {
			err = ErrMessageTooLarge
		}
		if err != nil {
			c.err = err
			return nil, 0, err
		}
		c.bodyOff, c.bodyLen = k+len(headerEnd), n
	}
	end := c.bodyOff + c.bodyLen
	if len(buf) < end {
		return nil, 0, nil
	}
	text = buf[c.bodyOff:end]
	c.Reset()
	return text, end, nil
}

func parseContentLength(hdr []byte) (int, error) {
	n := -1
	for len(hdr) > 0 {
		line := hdr
		if k := bytes.Index(hdr, []byte("\r\n")); k >= 0 {
			line, hdr = hdr[:k], hdr[k+2:]
		} else {
			hdr = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return 0, ErrInvalidStream
		}
		if !bytes.EqualFold(bytes.TrimSpace(line[:colon]), contentLength) {
			continue
		}
		v, err := strconv.Atoi(string(bytes.TrimSpace(line[colon+1:])))
		if err != nil || v < 0 {
			return 0, ErrInvalidStream
		}
		n = v
	}
	if n < 0 {
		return 0, ErrInvalidStream
	}
	return n, nil
}
