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

// BenchmarkStream is one 1 MiB binary message streamed to OnMessagePart
// (written in 64 KiB pieces) and a 2-byte acknowledgement back: the
// server hands the payload over as it arrives and allocates nothing.
func BenchmarkStream(b *testing.B) {
	ack := []byte("ok")
	opts := &Options{
		MaxMessageSize: 2 << 20,
		Handler: Handler{OnMessagePart: func(c *Conn, _ MessageType, _ []byte, last bool) {
			if last {
				_ = c.SendBinary(ack)
			}
		}},
	}
	s := startEcho(b, opts)
	rc := dialRaw(b, s.Addr().String(), "")
	wire := frame{fin: true, op: opBinary, payload: make([]byte, 1<<20)}.encode(true)
	back := make([]byte, 4)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rc.write(wire, 64<<10)
		if _, err := io.ReadFull(rc.r, back); err != nil {
			b.Fatal(err)
		}
	}
}
