package websocket

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/valyala/bytebufferpool"
)

// permessage-deflate (RFC 7692) with github.com/klauspost/compress/flate:
// its StatelessDeflate compresses a message with no compressor object at
// all (the encoder's tables live on the stack), so a connection holds no
// compression state between messages, and its NewWriterWindow honours a
// server_max_window_bits below 15, which compress/flate cannot.

// deflateTail is the empty stored block a sync flush ends with; the sender
// removes it and the receiver appends it back (RFC 7692 7.2.1, 7.2.2).
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// Windows kept for context takeover: what a stateless compression may
// reference (its dictionary is at most 8 KiB), and a full LZ77 window for
// the receiving side.
const (
	txWindow = 8 << 10
	rxWindow = 32 << 10
)

// deflateParams are the negotiated extension parameters, from this side's
// point of view.
type deflateParams struct {
	txNoContext bool // this side's compressor resets after each message
	rxNoContext bool // the peer's compressor resets after each message
	txBits      int  // this side's LZ77 window (8-15)
}

// deflateState is a connection's compression state, made at the handshake
// and nil when the extension was not negotiated.
type deflateState struct {
	deflateParams
	txHistory []byte        // context takeover, txBits 15: the last messages sent
	writer    *flate.Writer // context takeover, txBits < 15: the compressor itself
	target    writerTarget  // where writer writes
	rxHistory []byte        // context takeover by the peer: its window
}

// writerTarget is a kept compressor's output, retargeted per message.
type writerTarget struct{ dst *bytebufferpool.ByteBuffer }

func (t *writerTarget) Write(p []byte) (int, error) { return t.dst.Write(p) }

func writeFlush(w *flate.Writer, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return err
	}
	return w.Flush()
}

// compress appends p's compressed form, without the trailing empty block,
// to dst. Callers hold the connection's write lock.
func (d *deflateState) compress(dst *bytebufferpool.ByteBuffer, p []byte) error {
	start := len(dst.B)
	if d.txBits >= 15 {
		var dict []byte
		if !d.txNoContext {
			dict = d.txHistory
		}
		if err := flate.StatelessDeflate(dst, p, false, dict); err != nil {
			return err
		}
		if !d.txNoContext {
			d.txHistory = keepTail(d.txHistory, p, txWindow)
		}
	} else {
		if d.txNoContext {
			w := getWindowWriter(d.txBits)
			w.Reset(dst)
			err := writeFlush(w, p)
			w.Reset(io.Discard) // keep no reference to dst in the pool
			putWindowWriter(d.txBits, w)
			if err != nil {
				return err
			}
		} else {
			// The kept compressor writes through target, which is
			// pointed at each message's buffer: a Reset would drop
			// its history.
			if d.writer == nil {
				w, err := flate.NewWriterWindow(&d.target, 1<<d.txBits)
				if err != nil {
					return err
				}
				d.writer = w
			}
			d.target.dst = dst
			err := writeFlush(d.writer, p)
			d.target.dst = nil
			if err != nil {
				return err
			}
		}
	}
	if len(dst.B)-start < 4 || string(dst.B[len(dst.B)-4:]) != string(deflateTail) {
		return errors.New("websocket: compressor output without a sync flush")
	}
	dst.B = dst.B[:len(dst.B)-4]
	return nil
}

// keepTail appends p to h and keeps the last n bytes.
func keepTail(h, p []byte, n int) []byte {
	if len(p) >= n {
		return append(h[:0], p[len(p)-n:]...)
	}
	if len(h)+len(p) > n {
		drop := len(h) + len(p) - n
		h = h[:copy(h, h[drop:])]
	}
	return append(h, p...)
}

// decompress appends the message whose compressed bytes are src to dst;
// more than limit bytes fail with errMessageTooBig (a decompression bomb
// stops there).
func (d *deflateState) decompress(dst *bytebufferpool.ByteBuffer, src []byte, limit int) error {
	rs := readerPool.Get().(*inflater)
	defer readerPool.Put(rs)
	rs.src.reset(src)
	var dict []byte
	if !d.rxNoContext {
		dict = d.rxHistory
	}
	if err := rs.r.(flate.Resetter).Reset(&rs.src, dict); err != nil {
		return err
	}
	start := len(dst.B)
	for {
		if len(dst.B) == cap(dst.B) {
			dst.B = append(dst.B, 0)[:len(dst.B)]
		}
		room := dst.B[len(dst.B):cap(dst.B)]
		if max := limit - (len(dst.B) - start) + 1; len(room) > max {
			room = room[:max]
		}
		n, err := rs.r.Read(room)
		dst.B = dst.B[:len(dst.B)+n]
		if len(dst.B)-start > limit {
			return errMessageTooBig
		}
		if err == io.EOF || (err == io.ErrUnexpectedEOF && rs.src.done()) {
			break
		}
		if err != nil {
			return errBadCompression
		}
	}
	if !rs.src.done() {
		return errBadCompression // data after a final block
	}
	if !d.rxNoContext {
		d.rxHistory = keepTail(d.rxHistory, dst.B[start:], rxWindow)
	}
	return nil
}

// inflater is a pooled decompressor with its source.
type inflater struct {
	r   io.ReadCloser
	src messageSource
}

var readerPool = sync.Pool{New: func() any {
	i := &inflater{}
	i.r = flate.NewReader(&i.src)
	return i
}}

// messageSource reads a message's compressed bytes and then the tail. It
// is an io.ByteReader, so the decompressor reads it without buffering.
type messageSource struct {
	b    []byte
	tail int // bytes of deflateTail already read
}

func (s *messageSource) reset(b []byte) { s.b, s.tail = b, 0 }

func (s *messageSource) done() bool { return len(s.b) == 0 && s.tail == len(deflateTail) }

func (s *messageSource) Read(p []byte) (int, error) {
	n := copy(p, s.b)
	s.b = s.b[n:]
	if n < len(p) {
		m := copy(p[n:], deflateTail[s.tail:])
		s.tail += m
		n += m
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (s *messageSource) ReadByte() (byte, error) {
	if len(s.b) > 0 {
		c := s.b[0]
		s.b = s.b[1:]
		return c, nil
	}
	if s.tail < len(deflateTail) {
		c := deflateTail[s.tail]
		s.tail++
		return c, nil
	}
	return 0, io.EOF
}

// Window-limited compressors, pooled by window size, for peers that ask
// for server_max_window_bits below 15.
var windowWriters [16]sync.Pool

func getWindowWriter(bits int) *flate.Writer {
	if w, ok := windowWriters[bits].Get().(*flate.Writer); ok {
		return w
	}
	w, err := flate.NewWriterWindow(io.Discard, 1<<bits)
	if err != nil {
		panic(err) // bits is 8..14, within flate's bounds
	}
	return w
}

func putWindowWriter(bits int, w *flate.Writer) { windowWriters[bits].Put(w) }

// extensionName is the registered name of permessage-deflate.
const extensionName = "permessage-deflate"

// deflateOffer is one parsed permessage-deflate offer or response.
type deflateOffer struct {
	serverNoContext, clientNoContext bool
	serverBits, clientBits           int  // 0: absent
	clientBitsNoValue                bool // client_max_window_bits without a value
}

// parseExtensions splits a Sec-WebSocket-Extensions value into its
// permessage-deflate elements; malformed ones report ok=false. Elements of
// other extensions are skipped.
func parseExtensions(v string, f func(o deflateOffer, ok bool) bool) {
	for elem := range strings.SplitSeq(v, ",") {
		parts := strings.Split(elem, ";")
		if !strings.EqualFold(strings.TrimSpace(parts[0]), extensionName) {
			continue
		}
		o, ok := parseDeflateParams(parts[1:])
		if !f(o, ok) {
			return
		}
	}
}

func parseDeflateParams(params []string) (o deflateOffer, ok bool) {
	seen := map[string]bool{}
	for _, p := range params {
		name, value, hasValue := strings.Cut(strings.TrimSpace(p), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.Trim(strings.TrimSpace(value), `"`)
		if seen[name] {
			return o, false // a parameter twice: decline (RFC 7692 7)
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover":
			if hasValue {
				return o, false
			}
			o.serverNoContext = true
		case "client_no_context_takeover":
			if hasValue {
				return o, false
			}
			o.clientNoContext = true
		case "server_max_window_bits":
			b, ok := windowBits(value)
			if !hasValue || !ok {
				return o, false
			}
			o.serverBits = b
		case "client_max_window_bits":
			if !hasValue {
				o.clientBitsNoValue = true
				continue
			}
			b, ok := windowBits(value)
			if !ok {
				return o, false
			}
			o.clientBits = b
		default:
			return o, false
		}
	}
	return o, true
}

// windowBits parses a window bits value: 1*DIGIT from 8 to 15, no leading
// zero (RFC 7692 7.1.2).
func windowBits(v string) (int, bool) {
	if v == "" || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 8 || n > 15 {
		return 0, false
	}
	return n, true
}

// acceptOffer picks the server's response to a client's offer: the
// parameters for this connection and the response's extension element.
func acceptOffer(o deflateOffer, contextTakeover bool) (deflateParams, string) {
	p := deflateParams{txBits: 15}
	resp := extensionName
	if o.serverNoContext || !contextTakeover {
		p.txNoContext = true
		resp += "; server_no_context_takeover"
	}
	if o.clientNoContext || !contextTakeover {
		// A server may ask this even when the client did not offer it
		// (RFC 7692 7.1.1.2).
		p.rxNoContext = true
		resp += "; client_no_context_takeover"
	}
	if o.serverBits != 0 {
		p.txBits = o.serverBits
		resp += "; server_max_window_bits=" + strconv.Itoa(o.serverBits)
	}
	return p, resp
}

// offerHeader is the client's offer.
func offerHeader(contextTakeover bool) string {
	if contextTakeover {
		return extensionName + "; client_max_window_bits"
	}
	return extensionName + "; server_no_context_takeover; client_no_context_takeover; client_max_window_bits"
}

// acceptResponse checks the server's response to offerHeader.
func acceptResponse(v string, contextTakeover bool) (p deflateParams, err error) {
	n := 0
	parseExtensions(v, func(o deflateOffer, ok bool) bool {
		n++
		if !ok || o.clientBitsNoValue {
			err = errors.New("websocket: invalid permessage-deflate response")
			return false
		}
		if !contextTakeover && !o.serverNoContext {
			err = errors.New("websocket: server refused server_no_context_takeover")
			return false
		}
		p = deflateParams{txNoContext: o.clientNoContext || !contextTakeover, rxNoContext: o.serverNoContext, txBits: 15}
		if o.clientBits != 0 {
			p.txBits = o.clientBits
		}
		return true
	})
	if err == nil && n != 1 {
		err = errors.New("websocket: unexpected Sec-WebSocket-Extensions in the response")
	}
	return p, err
}
