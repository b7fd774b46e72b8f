//go:build linux

package tcp

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	fuzzServerOnce sync.Once
	fuzzServer     *Server
)

// FuzzTLSServer sends random bytes, and mutations of real ClientHellos
// (the seeds), into the TLS path of a running server, then half-closes.
// The server must close the connection (no panic, no connection left),
// and keep serving a real client.
func FuzzTLSServer(f *testing.F) {
	f.Add(clientHello(f))
	tls12 := func() []byte {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		go func() {
			_ = tls.Client(a, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}).Handshake()
		}()
		buf := make([]byte, 4096)
		n, _ := b.Read(buf)
		return buf[:n]
	}()
	f.Add(tls12)
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("\x16\x03\x01\xff\xff"))
	f.Add([]byte("\x15\x03\x03\x00\x02\x02\x28"))
	f.Add([]byte{})
	f.Cleanup(func() {
		if fuzzServer != nil {
			_ = fuzzServer.Close()
			fuzzServer, fuzzServerOnce = nil, sync.Once{}
		}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzServerOnce.Do(func() {
			s := NewServer(WithLogger(quietLogger), WithTLS(serverTLS(t)), WithTLSHandshakeTimeout(5*time.Second))
			s.SetCallbacks(Callbacks{Message: echoMessage})
			if err := s.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			fuzzServer = s
		})
		s := fuzzServer
		c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(guard))
		_, _ = c.Write(data)
		_ = c.(*net.TCPConn).CloseWrite()
		if _, err := io.Copy(io.Discard, c); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept the connection open after the peer's FIN")
			}
		}
		eventually(t, "no connection left", func() bool { return s.NumConnections() == 0 })
		if len(data) > 0 && data[0] == 0xff {
			// Now and then, a real client is still served.
			tc := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
			_ = tc.Close()
		}
	})
}
