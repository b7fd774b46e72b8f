package rpc

import (
	"bytes"
	"encoding/json"
)

// Codec does the framing of one connection; it never interprets requests.
//
// Scan is incremental. buf is everything the transport has buffered and not
// yet consumed; between calls the transport may append bytes and move the
// buffer, but must keep its unconsumed prefix (the codec keeps offsets, not
// slices, so it resumes where the last call stopped instead of rescanning).
// Scan returns:
//
//   - text != nil: one complete message body, a sub-slice of buf valid until
//     the buffer is modified; hand it to Dispatch, then drop consumed bytes.
//   - text == nil, err == nil: more bytes are needed; drop consumed bytes
//     (leading whitespace or framing already parsed may be released early),
//     and call Scan again when more data has arrived.
//   - err != nil: the stream is unrecoverable (ErrInvalidStream,
//     ErrMessageTooLarge, ErrTooDeep); close the connection (the built-in
//     transports first send a JSON-RPC error reply). The error is sticky
//     until Reset.
//
// A Codec is used by one goroutine at a time (the connection's loop).
// AppendFrame is stateless and may be called from any goroutine.
type Codec interface {
	Scan(buf []byte) (text []byte, consumed int, err error)
	AppendFrame(dst, msg []byte) []byte
	Reset()
}

// StreamCodec frames a TCP stream as a sequence of JSON texts separated by
// optional whitespace: newline-delimited (`{..}\n{..}\n`) and concatenated
// (`{..}{..}`, `[1][2]`) input both work, as do bare top-level scalars
// (`1 2`, `"x"`), which the dispatcher answers with Invalid Request.
//
// Framing counts brackets outside strings and never validates the content:
// a text whose brackets balance but whose tokens are bad is returned whole,
// the dispatcher answers it with a Parse error and the stream continues.
// Two kinds of damage are resynchronised at the end of the line: a string
// that hits a raw newline, and a closing bracket that does not match its
// opener (e.g. `{"a" ]`). The text is then cut after the next newline, so
// one bad line of a newline-delimited stream is answered with a Parse error
// and the next line is read normally. Unbalanced brackets that never close
// cannot be detected: the codec waits for more input (bounded by
// MaxMessageSize). A scalar text
// (number or literal) ends at the first byte that cannot continue it, so a
// trailing bare scalar needs a delimiter after it. A byte that cannot start
// a JSON text (e.g. a stray `}` or binary garbage) is ErrInvalidStream.
//
// Each reply is framed as one line: the JSON followed by '\n'.
//
// Scan and Reset belong to the connection's goroutine (one at a time);
// AppendFrame may be called from any goroutine.
type StreamCodec struct {
	maxSize  int
	maxDepth int

	pos    int  // offset in buf up to which bytes are examined
	start  int  // offset where the current text starts; -1 when between texts
	kind   byte // '{' container, '"' top-level string, '0' scalar
	depth  int
	inStr  bool
	esc    bool
	broken bool // damaged text: it ends after the next newline
	err    error
	stack  [maxDepthLimit / 64]uint64 // 1 = '{', 0 = '['
}

// NewStreamCodec returns a StreamCodec enforcing MaxMessageSize and MaxDepth
// of lim (zero fields get the defaults), normally srv.Limits().
func NewStreamCodec(lim Limits) *StreamCodec {
	lim = lim.withDefaults()
	c := &StreamCodec{maxSize: lim.MaxMessageSize, maxDepth: lim.MaxDepth}
	c.Reset()
	return c
}

// Reset forgets all state, for a new connection.
func (c *StreamCodec) Reset() {
	*c = StreamCodec{maxSize: c.maxSize, maxDepth: c.maxDepth, start: -1}
}

// AppendFrame appends msg and a '\n' to dst. A reply that holds line
// breaks (a result passed through raw, such as params echoed back with
// their formatting) is compacted first, so that every reply is one line.
func (c *StreamCodec) AppendFrame(dst, msg []byte) []byte {
	if bytes.IndexByte(msg, '\n') >= 0 || bytes.IndexByte(msg, '\r') >= 0 {
		// Line breaks in valid JSON can only be whitespace between
		// tokens: encoding/json's Compact drops it (no HTML escaping).
		b := bytes.NewBuffer(dst)
		if json.Compact(b, msg) == nil {
			return append(b.Bytes(), '\n')
		}
	}
	return append(append(dst, msg...), '\n')
}

func isScalarByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '+' || b == '.'
}

// Scan implements Codec.
func (c *StreamCodec) Scan(buf []byte) (text []byte, consumed int, err error) {
	if c.err != nil {
		return nil, 0, c.err
	}
	i := c.pos
	if c.start < 0 {
		i = skipSpace(buf, i)
		if i == len(buf) {
			c.pos = 0
			return nil, i, nil
		}
		c.start = i
		switch b := buf[i]; {
		case b == '{' || b == '[':
			c.kind = '{'
			c.push(b)
		case b == '"':
			c.kind, c.inStr = '"', true
		case b == '-' || '0' <= b && b <= '9' || b == 't' || b == 'f' || b == 'n':
			c.kind = '0'
		default:
			c.err = ErrInvalidStream
			return nil, 0, c.err
		}
		i++
	}
	end, err := c.scan(buf, i)
	if err != nil {
		c.err = err
		return nil, 0, err
	}
	if end < 0 {
		// Need more: release leading whitespace, keep offsets relative.
		consumed = c.start
		c.start = 0
		c.pos = len(buf) - consumed
		return nil, consumed, nil
	}
	text = buf[c.start:end]
	c.Reset()
	return text, end, nil
}

func (c *StreamCodec) push(b byte) {
	if b == '{' {
		c.stack[c.depth/64] |= 1 << (c.depth % 64)
	} else {
		c.stack[c.depth/64] &^= 1 << (c.depth % 64)
	}
	c.depth++
}

// scan continues the current text from buf[i]; it returns the end offset of
// the text or -1 when more bytes are needed.
func (c *StreamCodec) scan(buf []byte, i int) (int, error) {
	limit := c.start + c.maxSize // first offset the text may not include
	n := len(buf)
	if c.kind == '0' {
		for ; i < n && isScalarByte(buf[i]); i++ {
		}
		if i > limit {
			return 0, ErrMessageTooLarge
		}
		if i < n {
			return i, nil
		}
		return -1, nil
	}
	if n > limit {
		n = limit
	}
	for ; i < n; i++ {
		b := buf[i]
		switch {
		case c.broken:
			if b == '\n' {
				return i + 1, nil
			}
		case c.inStr:
			switch {
			case c.esc:
				c.esc = false
			case b == '\\':
				c.esc = true
			case b == '"':
				c.inStr = false
				if c.kind == '"' {
					return i + 1, nil
				}
			case b == '\n':
				return i + 1, nil // broken string: cut here, resync after it
			}
		case b == '"':
			c.inStr = true
		case b == '{' || b == '[':
			if c.depth >= c.maxDepth {
				return 0, ErrTooDeep
			}
			c.push(b)
		case b == '}' || b == ']':
			c.depth--
			if (c.stack[c.depth/64]&(1<<(c.depth%64)) != 0) != (b == '}') {
				c.broken = true
				continue
			}
			if c.depth == 0 {
				return i + 1, nil
			}
		}
	}
	c.pos = i
	if len(buf) > limit {
		return 0, ErrMessageTooLarge
	}
	return -1, nil
}
