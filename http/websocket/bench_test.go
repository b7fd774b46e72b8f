package websocket

import (
	"io"
	"testing"
)

// BenchmarkEcho is one echo round trip over loopback against the echo
// endpoint: a masked frame written by a raw client, the server's echo read
// back. The client allocates nothing per operation, so allocs/op is the
// server's: the steady state of parsing, unmasking, validating and
// answering a message allocates nothing.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{64, 4096} {
		for _, typ := range []byte{opBinary, opText} {
			name := map[byte]string{opBinary: "binary", opText: "text"}[typ]
			b.Run(name+"-"+itoa(size), func(b *testing.B) {
				opts := echoOptions()
				opts.Compression = false
				s := startEcho(b, opts)
				rc := dialRaw(b, s.Addr().String(), "")
				payload := make([]byte, size)
				for i := range payload {
					payload[i] = 'a' + byte(i%26)
				}
				wire := frame{fin: true, op: typ, payload: payload}.encode(true)
				back := make([]byte, len(wire)-4) // unmasked: no key
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if _, err := rc.conn.Write(wire); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(rc.r, back); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
