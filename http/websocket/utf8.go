package websocket

// utf8State validates UTF-8 incrementally, across the frames of a
// fragmented message, so an invalid text message fails at its first bad
// byte (RFC 6455 8.1) rather than at its end. The zero value is the state
// at a character boundary.
//
// It packs how many continuation bytes are still due (bits 0-7) and the
// bounds of the next one (bits 8-15 low, 16-23 high), which are narrower
// than 0x80-0xBF right after E0, ED, F0 and F4 (RFC 3629 4: no overlong
// forms, no surrogates, nothing above U+10FFFF).
type utf8State uint32

// utf8Bad is the state after an invalid byte; it stays bad.
const utf8Bad utf8State = 0xFFFFFFFF

func utf8Need(n, lo, hi uint32) utf8State { return utf8State(n | lo<<8 | hi<<16) }

// feed validates b following s and returns the new state, utf8Bad at the
// first invalid byte.
func (s utf8State) feed(b []byte) utf8State {
	if s == utf8Bad {
		return s
	}
	i := 0
	for i < len(b) {
		if s == 0 {
			// ASCII fast path, 8 bytes at a time.
			for i+8 <= len(b) {
				v := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
					uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
				if v&0x8080808080808080 != 0 {
					break
				}
				i += 8
			}
			if i == len(b) {
				return 0
			}
			c := b[i]
			i++
			switch {
			case c < 0x80:
			case c >= 0xC2 && c <= 0xDF:
				s = utf8Need(1, 0x80, 0xBF)
			case c == 0xE0:
				s = utf8Need(2, 0xA0, 0xBF)
			case c == 0xED:
				s = utf8Need(2, 0x80, 0x9F)
			case c >= 0xE1 && c <= 0xEF:
				s = utf8Need(2, 0x80, 0xBF)
			case c == 0xF0:
				s = utf8Need(3, 0x90, 0xBF)
			case c >= 0xF1 && c <= 0xF3:
				s = utf8Need(3, 0x80, 0xBF)
			case c == 0xF4:
				s = utf8Need(3, 0x80, 0x8F)
			default:
				return utf8Bad
			}
			continue
		}
		c := uint32(b[i])
		i++
		lo, hi := uint32(s>>8)&0xFF, uint32(s>>16)&0xFF
		if c < lo || c > hi {
			return utf8Bad
		}
		s = utf8Need(uint32(s&0xFF)-1, 0x80, 0xBF)
		if s&0xFF == 0 {
			s = 0
		}
	}
	return s
}

// complete reports whether the text so far ends at a character boundary.
func (s utf8State) complete() bool { return s == 0 }

// validUTF8 reports whether b is complete, valid UTF-8.
func validUTF8(b []byte) bool { return utf8State(0).feed(b) == 0 }
