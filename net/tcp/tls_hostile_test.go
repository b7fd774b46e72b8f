//go:build linux

package tcp

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clientHello returns the first flight of a crypto/tls client: a real
// ClientHello record.
func clientHello(t testing.TB) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		_ = tls.Client(a, &tls.Config{InsecureSkipVerify: true}).Handshake()
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		t.Fatal(err)
	}
	return append(hdr, body...)
}

// readUntilClosed reads until EOF or a reset and returns what came.
func readUntilClosed(t testing.TB, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server did not close the connection")
	}
	return b
}

// checkClean waits for the server to have no connection and no handshake.
func checkClean(t testing.TB, s *Server) {
	t.Helper()
	eventually(t, "connections closed", func() bool {
		return s.NumConnections() == 0 && s.TLSStats().InProgress == 0
	})
}

func TestTLSPlainRequestGetsReply(t *testing.T) {
	var mu sync.Mutex
	var seen error
	s := startServer(t, Callbacks{}, WithTLS(serverTLS(t)),
		WithTLSHandshakeErrorCallback(func(peer netip.AddrPort, err error) []byte {
			mu.Lock()
			seen = err
			mu.Unlock()
			var rh tls.RecordHeaderError
			if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "GET /" {
				return []byte("plain reply\n")
			}
			return nil
		}))
	c := dial(t, s)
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if got := readUntilClosed(t, c); string(got) != "plain reply\n" {
		t.Fatalf("got %q", got)
	}
	checkClean(t, s)
	mu.Lock()
	defer mu.Unlock()
	if st := s.TLSStats(); st.Failures.NotTLS != 1 || seen == nil {
		t.Fatalf("stats %+v, err %v", st, seen)
	}
}

func TestTLSHostileHandshakes(t *testing.T) {
	hello := clientHello(t)
	cases := []struct {
		name   string
		send   []byte
		rst    bool // reset instead of waiting for the server
		reason func(TLSFailures) uint64
	}{
		{"garbage", []byte("\x16\x03\x01\x00\x10garbage garbage!"), false, func(f TLSFailures) uint64 { return f.Protocol }},
		{"zeros", make([]byte, 64), false, func(f TLSFailures) uint64 { return f.NotTLS }},
		{"sslv2", []byte("\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10"), false, func(f TLSFailures) uint64 { return f.NotTLS }},
		{"oversized record", []byte("\x16\x03\x01\xff\xff"), false, func(f TLSFailures) uint64 { return f.NotTLS }},
		{"truncated hello then FIN", hello[:len(hello)/2], false, func(f TLSFailures) uint64 { return f.PeerClosed }},
		{"hello then RST", hello[:len(hello)/2], true, func(f TLSFailures) uint64 { return f.PeerClosed }},
		{"nothing then FIN", nil, false, func(f TLSFailures) uint64 { return f.PeerClosed }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var announced atomic.Int32
			s := startServer(t, Callbacks{Connection: func(c *Conn) { announced.Add(1) }}, WithTLS(serverTLS(t)))
			before := fdCount(t)
			if tc.rst {
				r := dialRaw(t, s.Addr())
				_ = r.writeAll(tc.send)
				eventually(t, "handshake started", func() bool { return s.TLSStats().InProgress == 1 })
				r.closeRST()
			} else {
				c := dial(t, s)
				_, _ = c.Write(tc.send)
				if strings.HasSuffix(tc.name, "FIN") {
					_ = c.CloseWrite()
				}
				readUntilClosed(t, c)
				_ = c.Close()
			}
			checkClean(t, s)
			eventually(t, "failure counted", func() bool { return s.TLSStats().Failures.Total() == 1 })
			if st := s.TLSStats(); tc.reason(st.Failures) != 1 {
				t.Fatalf("stats %+v", st)
			}
			eventually(t, "fds released", func() bool { return fdCount(t) <= before })
			if n := announced.Load(); n != 0 {
				t.Fatalf("a failed handshake was announced (%d calls)", n)
			}
			// Still serving.
			c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
			_ = c.Close()
		})
	}
}

func TestTLSStalledHandshakesTimeOut(t *testing.T) {
	s := startServer(t, Callbacks{}, WithTLS(serverTLS(t)), WithTLSHandshakeTimeout(200*time.Millisecond))
	silent := dial(t, s)
	half := dial(t, s)
	_, _ = half.Write(clientHello(t)[:20])
	readUntilClosed(t, silent)
	readUntilClosed(t, half)
	checkClean(t, s)
	if st := s.TLSStats(); st.Failures.Timeout != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTLSHandshakeLimitQueues(t *testing.T) {
	// Two stalled handshakes hold both slots; the good clients behind
	// them wait for the slots (the stalled ones time out) and are served.
	s := startServer(t, Callbacks{Message: echoMessage}, WithTLS(serverTLS(t)),
		WithTLSMaxHandshakes(2), WithTLSHandshakeTimeout(2*time.Second))
	hello := clientHello(t)
	for range 2 {
		c := dial(t, s)
		_, _ = c.Write(hello) // answered, and then never finished
	}
	eventually(t, "two handshakes running", func() bool { return s.TLSStats().InProgress == 2 })
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			raw, err := net.DialTimeout("tcp", s.Addr().String(), guard)
			if err != nil {
				errs <- err
				return
			}
			c := tls.Client(raw, clientTLS(t, tls.VersionTLS13))
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(guard))
			if _, err := c.Write([]byte("hi")); err != nil {
				errs <- err
				return
			}
			var b [2]byte
			if _, err := io.ReadFull(c, b[:]); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	eventually(t, "counts", func() bool {
		st := s.TLSStats()
		return st.Handshakes == n && st.Failures.Timeout == 2
	})
}

// establishedRaw does a TLS 1.2 handshake over c and returns the TLS client
// with the raw socket under it, for writing bad records after it.
func establishedRaw(t *testing.T, s *Server) (*tls.Conn, *net.TCPConn) {
	raw := dial(t, s)
	c := tls.Client(raw, clientTLS(t, tls.VersionTLS12))
	_ = c.SetDeadline(time.Now().Add(guard))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c, raw
}

func TestTLSBadRecordsAfterHandshake(t *testing.T) {
	cases := []struct {
		name string
		send string
		fin  bool
		want string // in the client's error; "" for a clean EOF
	}{
		{"oversized", "\x17\x03\x03\xff\xff", false, "record overflow"},
		{"bad mac", "\x17\x03\x03\x00\x20" + strings.Repeat("x", 32), false, "bad record MAC"},
		{"truncated", "\x17\x03\x03\x01\x00" + strings.Repeat("x", 10), true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			s := startServer(t, Callbacks{Connection: rec.onConnection, Message: echoMessage}, WithTLS(serverTLS(t)))
			c, raw := establishedRaw(t, s)
			recv(t, rec.up, "up")
			_, _ = raw.Write([]byte(tc.send))
			if tc.fin {
				_ = raw.CloseWrite()
			}
			var b [16]byte
			_, err := c.Read(b[:])
			if err == nil || (tc.want != "" && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("client read: %v, want %q", err, tc.want)
			}
			recv(t, rec.down, "down")
			checkClean(t, s)
		})
	}
}
