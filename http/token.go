package http

import (
	"bytes"
	"encoding/binary"
	"net/netip"
)

// Byte classes as 256-entry tables: one load per byte keeps the validation
// loops branch-light, which matters because every head byte goes through one.
const (
	clsToken   = 1 << iota // tchar, RFC 9110 5.6.2
	clsValue               // field-vchar / SP / HTAB, RFC 9110 5.5 (obs-text allowed)
	clsTarget              // accepted in a request-target (see isTargetByte)
	clsRegName             // reg-name characters but '%' and ',' (RFC 3986 3.2.2)
	clsScheme              // scheme characters after the first, RFC 3986 3.1
)

var classes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
		if alnum || contains("!#$%&'*+-.^_`|~", b) {
			t[c] |= clsToken
		}
		if b == '\t' || (b >= 0x20 && b != 0x7f) {
			t[c] |= clsValue
		}
		// Visible ASCII except '#': a fragment is never part of a
		// request-target. Bytes outside the URI character set such as
		// '{' or '|' are tolerated because real clients send them raw;
		// non-ASCII and controls are not.
		if b > 0x20 && b < 0x7f && b != '#' {
			t[c] |= clsTarget
		}
		if alnum || contains("-._~!$&'()*+;=", b) {
			t[c] |= clsRegName
		}
		if alnum || contains("+-.", b) {
			t[c] |= clsScheme
		}
	}
	return t
}()

func contains(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// validHost reports whether b is uri-host [ ":" port ] (RFC 9112 3.2, RFC
// 3986 3.2.2): "x:abc", "x:80:90", "[::1" or "a%zz" are refused (400), as
// RFC 9112 3.2 requires for an invalid Host. Empty is valid: a client sends
// an empty Host when the target has no authority.
func validHost(b []byte) bool {
	_, _, ok := splitHost(b)
	return ok
}

// splitHost splits uri-host [ ":" port ] and validates both: host is a
// reg-name or an IP-literal, port is *DIGIT (hasPort: the colon was there).
// A comma, which reg-name allows, is refused: no DNS name has one, and
// "a,b" is what two Host values folded into one look like.
func splitHost(b []byte) (host []byte, hasPort, ok bool) {
	// The usual "name" or "name:port" in one pass: reg-name bytes up to
	// the first one that is not, which must be the end or the colon.
	i := 0
	for i+4 <= len(b) && classes[b[i]]&classes[b[i+1]]&classes[b[i+2]]&classes[b[i+3]]&clsRegName != 0 {
		i += 4
	}
	for i < len(b) && classes[b[i]]&clsRegName != 0 {
		i++
	}
	if i < len(b) && (b[i] == '%' || i == 0 && b[0] == '[') {
		// Percent-escapes or an IP-literal: the rare, general path.
		if i = hostEnd(b); i < 0 {
			return nil, false, false
		}
	}
	host = b[:i]
	if i == len(b) {
		return host, false, true
	}
	if b[i] != ':' {
		return nil, false, false
	}
	for _, d := range b[i+1:] {
		if d < '0' || d > '9' {
			return nil, false, false
		}
	}
	return host, true, true
}

// hostEnd returns where the host part of b ends when it is an IP-literal
// or a reg-name with percent-escapes, or -1 when that part is invalid.
func hostEnd(b []byte) int {
	if b[0] == '[' {
		end := bytes.IndexByte(b, ']')
		if end < 0 || !validIPLiteral(b[1:end]) {
			return -1
		}
		return end + 1
	}
	i := 0
	for ; i < len(b) && b[i] != ':'; i++ {
		switch c := b[i]; {
		case c == '%':
			if len(b)-i < 3 || unhex(b[i+1]) < 0 || unhex(b[i+2]) < 0 {
				return -1
			}
			i += 2
		case classes[c]&clsRegName == 0:
			return -1
		}
	}
	return i
}

// validIPLiteral checks what is inside the brackets of an IP-literal:
// IPv6address (no zone: RFC 9110 has none) or IPvFuture.
func validIPLiteral(lit []byte) bool {
	if len(lit) > 1 && (lit[0] == 'v' || lit[0] == 'V') {
		dot := bytes.IndexByte(lit, '.')
		if dot < 2 || dot == len(lit)-1 {
			return false
		}
		for _, c := range lit[1:dot] {
			if unhex(c) < 0 {
				return false
			}
		}
		for _, c := range lit[dot+1:] {
			if c != ':' && classes[c]&clsRegName == 0 && c != ',' {
				return false
			}
		}
		return true
	}
	if bytes.IndexByte(lit, '%') >= 0 {
		return false
	}
	a, err := netip.ParseAddr(string(lit))
	return err == nil && a.Is6()
}

// allInClass reports whether every byte of s has class bit cls. Four bytes
// per branch: the classes of a group are ANDed, and one outsider clears
// the bit.
func allInClass[T string | []byte](s T, cls uint8) bool {
	i := 0
	for ; i+4 <= len(s); i += 4 {
		if classes[s[i]]&classes[s[i+1]]&classes[s[i+2]]&classes[s[i+3]]&cls == 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if classes[s[i]]&cls == 0 {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold compares ASCII case-insensitively without allocating; field
// names and coding tokens are ASCII by construction.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextElement splits off the first element of a comma-separated list
// (RFC 9110 5.6.1), trimmed of OWS. Empty elements are returned as empty so
// callers decide whether they are acceptable.
func nextElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}

// parseFieldLine validates one field line (without its CRLF) and returns
// the name and the OWS-trimmed value as offsets into line. It is shared by
// the header and trailer sections so both are held to the same grammar.
func parseFieldLine(line []byte) (nameEnd, valStart, valEnd int, err *Error) {
	if isOWS(line[0]) {
		// obs-fold, or whitespace between the start-line and the first
		// field (RFC 9112 2.2 / 5.2): rejecting is the safe choice.
		return 0, 0, 0, ErrObsFold
	}
	i := 0
	for i < len(line) && classes[line[i]]&clsToken != 0 {
		i++
	}
	if i == len(line) || i == 0 {
		return 0, 0, 0, ErrFieldName
	}
	if line[i] != ':' {
		if isOWS(line[i]) {
			return 0, 0, 0, ErrSpaceBeforeColon
		}
		return 0, 0, 0, ErrFieldName
	}
	nameEnd = i
	i++
	for i < len(line) && isOWS(line[i]) {
		i++
	}
	valStart = i
	valEnd = len(line)
	for valEnd > valStart && isOWS(line[valEnd-1]) {
		valEnd--
	}
	if !validValue(line[valStart:valEnd]) {
		return 0, 0, 0, ErrFieldValue
	}
	return nameEnd, valStart, valEnd, nil
}

// Word-at-a-time byte tests (the classic "has a byte less than n" trick):
// they may report false alarms through borrows from a lower byte, never a
// miss, so callers recheck a flagged word byte by byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// mayHoldBelow20 reports whether a byte of x may be below 0x20 (a control
// character, HTAB included).
func mayHoldBelow20(x uint64) bool { return (x-0x20*ones)&^x&highs != 0 }

// mayHoldCtl reports whether a byte of x may be a control character or DEL.
func mayHoldCtl(x uint64) bool {
	y := x ^ 0x7f*ones // bytes equal to 0x7f become zero
	return mayHoldBelow20(x) || (y-ones)&^y&highs != 0
}

// validValue reports whether every byte of v is a field-vchar, SP, HTAB or
// obs-text: no control character other than HTAB, no DEL. Values are most
// of a head's bytes (User-Agent, Accept, cookies), so it checks eight bytes
// at a time: a word with no byte below 0x20 and none equal to 0x7f is valid
// as a whole; a word that may hold one (or an HTAB) is checked byte by byte.
// The word tests may report false alarms (borrows), never misses, so the
// result is exactly the per-byte one.
func validValue(v []byte) bool {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		if mayHoldCtl(binary.LittleEndian.Uint64(v[i:])) {
			for _, c := range v[i : i+8] {
				if classes[c]&clsValue == 0 {
					return false
				}
			}
		}
	}
	for _, c := range v[i:] {
		if classes[c]&clsValue == 0 {
			return false
		}
	}
	return true
}
