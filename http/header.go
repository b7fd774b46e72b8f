package http

// Header is a response's header fields, in the order they were first set.
// Names are matched case-insensitively and written as given. Values must
// not contain CR or LF, and names must be tokens (Set and Add drop such a
// field rather than let a handler split the response). Storage is reused between responses, so
// setting headers allocates nothing in steady state.
//
// A Header belongs to its ResponseWriter and is used by one goroutine at a
// time: the loop's for a handler on the loop, the owner's for a detached
// writer. Values are copied into the response when headers are written; a
// value that aliases request bytes must therefore be set before the
// handler returns (or be copied).
type Header struct {
	kv      []string // name, value, name, value, ...
	special uint8    // which specialField names may be present
}

// The names the server treats specially when it writes the head. Set and
// Add note them in a bit mask, so the common response, which sets none of
// them, is written without scanning its fields for each.
const (
	specialDate uint8 = 1 << iota
	specialServer
	specialConnection
	specialContentLength
	specialTransferEncoding
)

// specialBit returns name's bit, 0 for an ordinary name; the length switch
// keeps the ordinary case to one comparison.
func specialBit(name string) uint8 {
	switch len(name) {
	case 4:
		if equalFoldStr(name, "Date") {
			return specialDate
		}
	case 6:
		if equalFoldStr(name, "Server") {
			return specialServer
		}
	case 10:
		if equalFoldStr(name, "Connection") {
			return specialConnection
		}
	case 14:
		if equalFoldStr(name, "Content-Length") {
			return specialContentLength
		}
	case 17:
		if equalFoldStr(name, "Transfer-Encoding") {
			return specialTransferEncoding
		}
	}
	return 0
}

// has reports whether a field with special name bit may be set.
func (h *Header) has(bit uint8) bool { return h.special&bit != 0 }

// Set replaces every field named name with one of value.
func (h *Header) Set(name, value string) {
	if !validFieldName(name) || !validFieldValue(value) {
		return
	}
	for i := 0; i < len(h.kv); i += 2 {
		if equalFoldStr(h.kv[i], name) {
			h.kv[i+1] = value
			h.delFrom(name, i+2)
			return
		}
	}
	h.special |= specialBit(name)
	h.kv = append(h.kv, name, value)
}

// Add appends a field, keeping existing fields of the same name.
func (h *Header) Add(name, value string) {
	if !validFieldName(name) || !validFieldValue(value) {
		return
	}
	h.special |= specialBit(name)
	h.kv = append(h.kv, name, value)
}

// Get returns the first value of name, or "".
func (h *Header) Get(name string) string {
	for i := 0; i < len(h.kv); i += 2 {
		if equalFoldStr(h.kv[i], name) {
			return h.kv[i+1]
		}
	}
	return ""
}

// Has reports whether a field named name is set.
func (h *Header) Has(name string) bool {
	for i := 0; i < len(h.kv); i += 2 {
		if equalFoldStr(h.kv[i], name) {
			return true
		}
	}
	return false
}

// Del removes every field named name.
func (h *Header) Del(name string) {
	bit := specialBit(name)
	if bit != 0 && !h.has(bit) {
		return // never set: nothing to scan for
	}
	h.delFrom(name, 0)
	h.special &^= bit
}

func (h *Header) delFrom(name string, from int) {
	j := from
	for i := from; i < len(h.kv); i += 2 {
		if !equalFoldStr(h.kv[i], name) {
			h.kv[j], h.kv[j+1] = h.kv[i], h.kv[i+1]
			j += 2
		}
	}
	for k := j; k < len(h.kv); k++ {
		h.kv[k] = ""
	}
	h.kv = h.kv[:j]
}

// Len returns the number of fields.
func (h *Header) Len() int { return len(h.kv) / 2 }

// Each calls f for every field in order.
func (h *Header) Each(f func(name, value string)) {
	for i := 0; i < len(h.kv); i += 2 {
		f(h.kv[i], h.kv[i+1])
	}
}

func (h *Header) reset() {
	clear(h.kv)
	h.kv = h.kv[:0]
	h.special = 0
}

func (h *Header) appendTo(dst []byte) []byte {
	for i := 0; i < len(h.kv); i += 2 {
		dst = append(dst, h.kv[i]...)
		dst = append(dst, ": "...)
		dst = append(dst, h.kv[i+1]...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// validFieldName reports whether n is a token (RFC 9110 5.1): a name with a
// space, colon, CR or LF would let a handler split the response.
func validFieldName(n string) bool {
	return n != "" && allInClass(n, clsToken)
}

// validFieldValue reports whether v has no CR, LF or NUL. Words of eight
// bytes with no byte below 0x20 are passed whole; a word that may hold one
// (an HTAB is allowed) is checked byte by byte.
func validFieldValue(v string) bool {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		if mayHoldBelow20(x) {
			break
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

func equalFoldStr(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
