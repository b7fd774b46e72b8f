package rpc

import (
	"strings"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"
)

// This file holds a small, allocation-free JSON validator and the offset
// based helpers the envelope decoder uses on an already validated text. The
// validator is iterative with a fixed-size bit stack, so hostile nesting can
// neither blow the goroutine stack nor allocate.

// maxDepthLimit bounds Limits.MaxDepth; it is the size of the bit stack.
const maxDepthLimit = 1024

type validity uint8

const (
	textValid validity = iota
	textInvalid
	textTooDeep
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// validate checks that b holds exactly one JSON text (RFC 8259) nested at
// most maxDepth deep.
func validate(b []byte, maxDepth int) validity {
	var stack [maxDepthLimit / 64]uint64 // bit set: 1 = object, 0 = array
	depth := 0
	i := skipSpace(b, 0)
	for {
		// Expect a value at b[i].
		if i >= len(b) {
			return textInvalid
		}
		switch c := b[i]; c {
		case '{', '[':
			if depth >= maxDepth {
				return textTooDeep
			}
			if c == '{' {
				stack[depth/64] |= 1 << (depth % 64)
			} else {
				stack[depth/64] &^= 1 << (depth % 64)
			}
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
				depth--
				i++
				break
			}
			if c == '{' {
				if i = objectKey(b, i); i < 0 {
					return textInvalid
				}
			}
			continue
		case '"':
			if i = scanString(b, i); i < 0 {
				return textInvalid
			}
		case 't':
			if i = literal(b, i, "true"); i < 0 {
				return textInvalid
			}
		case 'f':
			if i = literal(b, i, "false"); i < 0 {
				return textInvalid
			}
		case 'n':
			if i = literal(b, i, "null"); i < 0 {
				return textInvalid
			}
		default:
			if i = scanNumber(b, i); i < 0 {
				return textInvalid
			}
		}
		// After a value: close containers or move to the next element.
		for {
			i = skipSpace(b, i)
			if depth == 0 {
				if i != len(b) {
					return textInvalid
				}
				return textValid
			}
			if i >= len(b) {
				return textInvalid
			}
			inObject := stack[(depth-1)/64]&(1<<((depth-1)%64)) != 0
			c := b[i]
			if c == ',' {
				i = skipSpace(b, i+1)
				if inObject {
					if i = objectKey(b, i); i < 0 {
						return textInvalid
					}
				}
				break
			}
			if inObject && c == '}' || !inObject && c == ']' {
				depth--
				i++
				continue
			}
			return textInvalid
		}
	}
}

// objectKey scans `"key" :` at b[i] and returns the index of the value.
func objectKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = scanString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanString validates the string starting at b[i] == '"' and returns the
// index after its closing quote, or -1.
func scanString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c >= utf8.RuneSelf:
			// JSON text is UTF-8 (RFC 8259 8.1): an invalid sequence
			// (a stray byte, an overlong form, a surrogate) is refused,
			// or the server would hand it on and echo it back.
			n := runeLen(b[i:])
			if n < 0 {
				return -1
			}
			i += n - 1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// scanNumber validates a number at b[i] and returns the index after it.
func scanNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// skipValue returns the index just after the value starting at b[i]. b must
// be a validated text.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = scanString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		return i
	}
}

// elements calls fn with the bounds of each element of the array starting at
// b[i] (validated). It stops early when fn returns false.
func elements(b []byte, i int, fn func(start, end int) bool) {
	i = skipSpace(b, i+1)
	if b[i] == ']' {
		return
	}
	for {
		end := skipValue(b, i)
		if !fn(i, end) {
			return
		}
		i = skipSpace(b, end)
		if b[i] == ']' {
			return
		}
		i = skipSpace(b, i+1) // past ','
	}
}

// countElements returns the number of elements of the array at b[i].
func countElements(b []byte, i int) int {
	n := 0
	elements(b, i, func(int, int) bool { n++; return true })
	return n
}

// hasEscape reports whether the raw string token s (with quotes) contains a
// backslash escape.
func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return true
		}
	}
	return false
}

// memberStates records, in one pass over the validated object b, which
// of names appear (bit i of given) and which of those have a null value
// (bit i of null). Names are matched case-insensitively, as the argument
// decoder matches them; of duplicates the last counts, as it does for the
// decoder. At most 64 names.
func memberStates(b []byte, names []string) (given, null uint64) {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] == '"' {
		keyEnd := scanString(b, i)
		v := skipSpace(b, skipSpace(b, keyEnd)+1) // past ':' (b is validated)
		end := skipValue(b, v)
		for n, name := range names {
			if keyMatches(b[i:keyEnd], name) {
				bit := uint64(1) << n
				given |= bit
				if b[v] == 'n' {
					null |= bit
				} else {
					null &^= bit
				}
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			break
		}
		i = skipSpace(b, i+1)
	}
	return given, null
}

// keyMatches compares a raw key token (with quotes) with name, ignoring
// case. An escape makes the token longer than the name it spells, so only
// a longer token is unescaped (rare: clients do not escape plain names).
func keyMatches(tok []byte, name string) bool {
	key := tok[1 : len(tok)-1]
	switch {
	case len(key) == len(name):
		return string(key) == name || strings.EqualFold(string(key), name)
	case len(key) < len(name) || !hasEscape(key):
		return false
	}
	var s string
	if jsoniter.ConfigDefault.Unmarshal(tok, &s) != nil {
		return false
	}
	return strings.EqualFold(s, name)
}

// runeLen returns the length of the valid UTF-8 sequence at the start of
// b, or -1. Kept out of scanString's loop, which sees ASCII almost always.
//
//go:noinline
func runeLen(b []byte) int {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size == 1 {
		return -1
	}
	return size
}
