package websocket

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// utf8Vectors are Autobahn section 6's kinds of text payload (after Markus
// Kuhn's UTF-8 decoder stress test): boundaries, malformed and missing
// continuation bytes, impossible bytes, overlong forms, surrogates,
// noncharacters (valid). Whether each is valid comes from the standard
// library's utf8.Valid, which follows RFC 3629 as RFC 6455 requires.
var utf8Vectors = []string{
	"", "Hello-µ@ßöäüàá-UTF-8!!", "κόσμε", "\x00", "\x7f",
	"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xf0\x9f\xbf\xbe", "\xf4\x8f\xbf\xbe",
	"\xf4\x90\x80\x80", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80",
	"\x80", "\xbf", "\x80\xbf", "\x80\xbf\x80", "\x80\xbf\x80\xbf",
	"\xc0 \xc1 ", "\xe0 \xef ", "\xf0 \xf7 ", "\xf8 ", "\xfc ",
	"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xf4\x8f\xbf",
	"\xfe", "\xff", "\xfe\xfe\xff\xff",
	"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xc0\x80", "\xe0\x80\x80",
	"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xbf\xbf", "\xed\xa0\x80\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf",
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64",
	"\xce\xba\xe1\xbd",
}

// TestAutobahnUTF8 is section 6: each vector as one frame, as one frame in
// 1-byte chops, and fragmented into 1-byte frames: echoed when valid,
// else the connection fails with 1007.
func TestAutobahnUTF8(t *testing.T) {
	var cases []autobahnCase
	for i, v := range utf8Vectors {
		valid := utf8.ValidString(v)
		var frags []frame
		for j := 0; j < len(v); j++ {
			op := byte(opContinuation)
			if j == 0 {
				op = opText
			}
			frags = append(frags, frame{fin: j == len(v)-1, op: op, payload: []byte{v[j]}})
		}
		if len(v) == 0 {
			// 6.1.2/6.1.3: an empty message in empty fragments.
			frags = frames(frame{op: opText}, frame{op: opContinuation}, frame{fin: true, op: opContinuation})
		}
		for k, way := range []struct {
			chop  int
			sends []frame
		}{{0, frames(text(v))}, {1, frames(text(v))}, {0, frags}} {
			id := "6." + itoa(i+1) + "." + itoa(k+1)
			if valid {
				cases = append(cases, autobahnCase{id: id, desc: "valid " + trim([]byte(v)), run: echoCase(way.chop, way.sends, text(v))})
			} else {
				cases = append(cases, autobahnCase{id: id, desc: "invalid " + trim([]byte(v)), run: failCase(way.chop, 1007, way.sends)})
			}
		}
	}
	// 6.4.x: fail fast. The invalid bytes arrive and the rest of the
	// message never does: the connection must fail at once.
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	cases = append(cases,
		autobahnCase{id: "6.4.1", desc: "fail fast: valid fragment, invalid fragment, the rest never sent",
			run: failCase(0, 1007, frames(frame{op: opText, payload: []byte(kosme)}, frame{op: opContinuation, payload: []byte("\xf4\x90\x80\x80")}))},
		autobahnCase{id: "6.4.2", desc: "fail fast: the invalid code point split across fragments",
			run: failCase(0, 1007, frames(frame{op: opText, payload: []byte(kosme + "\xf4")}, frame{op: opContinuation, payload: []byte("\x90")}))},
		autobahnCase{id: "6.4.3", desc: "fail fast within one frame whose end never comes",
			run: func(rc *rawClient) {
				f := text(kosme + "\xf4\x90\x80\x80" + "edited")
				b := f.encode(true)
				rc.write(b[:len(b)-6], 0) // everything but the valid tail
				rc.expectClose(1007)
			}},
		autobahnCase{id: "6.4.4", desc: "fail fast within one frame, in 1-byte chops",
			run: func(rc *rawClient) {
				f := text(kosme + "\xf4\x90\x80\x80" + "edited")
				b := f.encode(true)
				rc.write(b[:len(b)-6], 1)
				rc.expectClose(1007)
			}},
	)
	runAutobahn(t, cases)
}

// TestUTF8Differential compares the incremental validator, fed in random
// pieces, with utf8.Valid: every 1- and 2-byte input, every 3-byte input
// starting with a lead byte, and random longer ones.
func TestUTF8Differential(t *testing.T) {
	check := func(b []byte, r *rand.Rand) {
		s := utf8State(0)
		rest := b
		for len(rest) > 0 {
			n := 1 + r.IntN(len(rest))
			s = s.feed(rest[:n])
			rest = rest[n:]
		}
		if got, want := s.complete(), utf8.Valid(b); got != want {
			t.Fatalf("%q: validator says %v, utf8.Valid %v", b, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for a := range 256 {
		check([]byte{byte(a)}, r)
		for b := range 256 {
			check([]byte{byte(a), byte(b)}, r)
			if a >= 0xC0 {
				for c := 0x70; c < 0xC8; c++ {
					check([]byte{byte(a), byte(b), byte(c)}, r)
				}
			}
		}
	}
	alphabet := []byte{0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	buf := make([]byte, 64)
	for range 200000 {
		n := r.IntN(len(buf))
		for i := range n {
			if r.IntN(3) == 0 {
				buf[i] = byte(r.IntN(256))
			} else {
				buf[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		check(buf[:n], r)
	}
}

// FuzzUTF8 compares the incremental validator with utf8.Valid.
func FuzzUTF8(f *testing.F) {
	for _, v := range utf8Vectors {
		f.Add([]byte(v), uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, split uint8) {
		cut := int(split) % (len(b) + 1)
		s := utf8State(0).feed(b[:cut]).feed(b[cut:])
		if s.complete() != utf8.Valid(b) {
			t.Fatalf("%q split at %d: validator %v, utf8.Valid %v", b, cut, s.complete(), utf8.Valid(b))
		}
	})
}
