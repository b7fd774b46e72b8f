package http

import (
	"math/rand/v2"
	"testing"
)

// validValue's word-at-a-time test must agree with the per-byte table for
// every byte value at every position and alignment.
// perClass is the byte-by-byte definition the grouped checks must match.
func perClass(v []byte, cls uint8) bool {
	for _, c := range v {
		if classes[c]&cls == 0 {
			return false
		}
	}
	return true
}

// oneByteIn returns n bytes of 'a' with c at pos.
func oneByteIn(n, pos int, c byte) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = 'a'
	}
	v[pos] = c
	return v
}

func TestValidValueMatchesTable(t *testing.T) {
	perByte := func(v []byte) bool { return perClass(v, clsValue) }
	for n := 0; n <= 24; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				v := oneByteIn(n, pos, byte(c))
				if got, want := validValue(v), perByte(v); got != want {
					t.Fatalf("len %d, byte %#x at %d: got %v, want %v", n, c, pos, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		v := make([]byte, r.IntN(40))
		for j := range v {
			v[j] = byte(r.IntN(256))
			if r.IntN(4) > 0 {
				v[j] = byte(0x20 + r.IntN(0x5f)) // mostly printable
			}
		}
		if got, want := validValue(v), perByte(v); got != want {
			t.Fatalf("%q: got %v, want %v", v, got, want)
		}
	}
}

// The grouped and word-at-a-time checks on the response side and in the
// fast paths must agree with their byte-by-byte definitions for every byte
// value at every position.
func TestGroupedChecksMatchPerByte(t *testing.T) {
	fieldValue := func(v string) bool {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c == '\r' || c == '\n' || c == 0 {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				v := oneByteIn(n, pos, byte(c))
				if got, want := validFieldValue(string(v)), fieldValue(string(v)); got != want {
					t.Fatalf("validFieldValue: len %d, byte %#x at %d: got %v", n, c, pos, got)
				}
				if got, want := validFieldName(string(v)), perClass(v, clsToken); got != want {
					t.Fatalf("validFieldName: len %d, byte %#x at %d: got %v", n, c, pos, got)
				}
			}
		}
	}
}

// scanFieldLine either declines a line or agrees with parseFieldLine on it:
// same name, same trimmed value, and only lines parseFieldLine accepts.
func TestScanFieldLineAgreesWithGeneralPath(t *testing.T) {
	check := func(line []byte) {
		n, nameEnd, vs, ve := scanFieldLine(line)
		if n == 0 {
			return
		}
		if n < 2 || line[n-2] != '\r' || line[n-1] != '\n' {
			t.Fatalf("%q: length %d does not end in CRLF", line, n)
		}
		body := line[:n-2]
		gn, gvs, gve, err := parseFieldLine(body)
		if err != nil {
			t.Fatalf("%q: fast path accepted what the general path refuses (%v)", line, err)
		}
		if gn != nameEnd || string(body[gvs:gve]) != string(line[vs:ve]) {
			t.Fatalf("%q: fast (%d %q) vs general (%d %q)", line, nameEnd, line[vs:ve], gn, body[gvs:gve])
		}
	}
	base := "X-Name: some value with\tTAB and more text \r\nNext: x\r\n"
	for pos := 0; pos < len(base); pos++ {
		for c := 0; c < 256; c++ {
			v := []byte(base)
			v[pos] = byte(c)
			check(v)
			check(v[:pos+1]) // truncated: must decline or agree
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("ab:\t \r\n\x00\x7f\x80-")
	for i := 0; i < 200000; i++ {
		v := make([]byte, r.IntN(30))
		for j := range v {
			v[j] = alphabet[r.IntN(len(alphabet))]
		}
		check(v)
	}
}

// validHost follows uri-host [ ":" port ] (RFC 9112 3.2, RFC 3986 3.2.2).
func TestValidHost(t *testing.T) {
	for h, want := range map[string]bool{
		"": true, "x": true, "example.com": true, "x:80": true, "x:": true,
		"127.0.0.1:8080": true, "[::1]": true, "[::1]:443": true, "[2001:db8::1]:80": true,
		"[::ffff:1.2.3.4]": true, "[v1.fe80::a+b]": true, "a%20b": true, "a-b_c~d!$&'()*+;=": true,
		"x:abc": false, "x:80:90": false, "[::1": false, "::1": false, "[::1]x": false,
		"[1.2.3.4]": false, "[fe80::1%25eth0]": false, "[fe80::1%eth0]": false, "[v.x]": false,
		"a%zz": false, "a%2": false, "a b": false, "a@b": false, "a/b": false, "a,b": false,
		"x:8 0": false, "[]": false, "é": false,
	} {
		if got := validHost([]byte(h)); got != want {
			t.Errorf("validHost(%q) = %v, want %v", h, got, want)
		}
	}
	for a, want := range map[string]bool{
		"x:443": true, "[::1]:443": true, "x": false, "x:": false, ":443": false,
		"x:80:90": false, "[::1]": false, "[::1]:": false,
	} {
		if got := validAuthorityForm([]byte(a)); got != want {
			t.Errorf("validAuthorityForm(%q) = %v, want %v", a, got, want)
		}
	}
}
