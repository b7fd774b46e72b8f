package http

import (
	"math/rand/v2"
	"testing"
)

// validValue's word-at-a-time test must agree with the per-byte table for
// every byte value at every position and alignment.
func TestValidValueMatchesTable(t *testing.T) {
	perByte := func(v []byte) bool {
		for _, c := range v {
			if classes[c]&clsValue == 0 {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 24; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				v := make([]byte, n)
				for i := range v {
					v[i] = 'a'
				}
				v[pos] = byte(c)
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
