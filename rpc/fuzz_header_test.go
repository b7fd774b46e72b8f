package rpc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// FuzzHeaderCodec checks the LSP-style Content-Length codec the way
// FuzzStreamScanner checks the stream codec: no panic or loop, the same
// messages and error whether the input arrives whole or split anywhere, and
// a framed message comes back exactly.
func FuzzHeaderCodec(f *testing.F) {
	lim := rpc.Limits{MaxMessageSize: 1 << 12}
	frame := func(msgs ...string) []byte {
		var b []byte
		for _, m := range msgs {
			b = rpc.NewHeaderCodec(lim).AppendFrame(b, []byte(m))
		}
		return b
	}
	f.Add(frame(`{"jsonrpc":"2.0","method":"a","id":1}`), uint16(3))
	f.Add(frame(`[1]`, `{"x":"\r\n\r\n"}`), uint16(20))
	f.Add([]byte("Content-Length: 99999999999\r\n\r\n"), uint16(5))
	f.Add([]byte("Content-Type: x\r\nContent-Length: 2\r\n\r\n{}"), uint16(10))
	f.Add([]byte("Content-Length: -1\r\n\r\n"), uint16(1))
	f.Add([]byte("garbage\n\n"), uint16(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		whole, errWhole := scanAll(rpc.NewHeaderCodec(lim), data, 0)
		k := int(split) % (len(data) + 1)
		parts, errParts := scanSplit(rpc.NewHeaderCodec(lim), data, k)
		if !errors.Is(errWhole, errParts) || strings.Join(whole, "\x00") != strings.Join(parts, "\x00") {
			t.Fatalf("split %d: whole %q %v, parts %q %v", k, whole, errWhole, parts, errParts)
		}
		// Whatever the codec accepts as a message is re-framed exactly.
		if errWhole == nil && len(whole) > 0 {
			again, err := scanAll(rpc.NewHeaderCodec(lim), frame(whole...), 0)
			if err != nil || strings.Join(again, "\x00") != strings.Join(whole, "\x00") {
				t.Fatalf("re-framing %q gave %q, %v", whole, again, err)
			}
		}
	})
}
