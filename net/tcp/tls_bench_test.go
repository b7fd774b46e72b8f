//go:build linux

package tcp

import (
	"crypto/tls"
	"io"
	"testing"
)

// BenchmarkTLSEchoRoundTrip is one 64-byte message echoed over an
// established TLS 1.3 connection: the server decrypts and encrypts on its
// loop. allocs/op counts the client's crypto/tls too.
func BenchmarkTLSEchoRoundTrip(b *testing.B) {
	s := startServer(b, Callbacks{Message: echoMessage}, WithTLS(serverTLS(b)))
	c := dialTLS(b, s, clientTLS(b, tls.VersionTLS13))
	defer c.Close()
	msg := make([]byte, 64)
	got := make([]byte, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			b.Fatal(err)
		}
	}
}
