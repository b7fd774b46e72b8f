//go:build linux

package tcp

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// testPKI is one CA with a server certificate for 127.0.0.1 and a client
// certificate, made once for the package's tests.
type testPKI struct {
	ca     *tlscert.CA
	server tls.Certificate
	client tls.Certificate
}

var (
	pkiOnce sync.Once
	pki     testPKI
	pkiErr  error
)

func getPKI(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		pki.ca, pkiErr = tlscert.NewCA()
		if pkiErr != nil {
			return
		}
		if pki.server, pkiErr = pki.ca.Server(tlscert.ECDSAP256, "127.0.0.1", "localhost"); pkiErr != nil {
			return
		}
		pki.client, pkiErr = pki.ca.Client(tlscert.ECDSAP256, "test-client")
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func serverTLS(t testing.TB) *tls.Config {
	p := getPKI(t)
	return &tls.Config{Certificates: []tls.Certificate{p.server}}
}

func clientTLS(t testing.TB, version uint16) *tls.Config {
	p := getPKI(t)
	return &tls.Config{RootCAs: p.ca.Pool(), ServerName: "127.0.0.1", MinVersion: version, MaxVersion: version}
}

// dialTLS connects a crypto/tls client and completes its handshake.
func dialTLS(t testing.TB, s *Server, cfg *tls.Config) *tls.Conn {
	t.Helper()
	raw := dial(t, s)
	c := tls.Client(raw, cfg)
	_ = c.SetDeadline(time.Now().Add(guard))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c
}

var tlsVersions = []struct {
	name string
	v    uint16
}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}}

func TestTLSEchoBothVersions(t *testing.T) {
	for _, tv := range tlsVersions {
		t.Run(tv.name, func(t *testing.T) {
			rec := newRecorder()
			states := make(chan tls.ConnectionState, 1)
			s := startServer(t, Callbacks{
				Connection: func(c *Conn) {
					if c.Connected() {
						st, ok := c.TLSConnectionState()
						if !ok {
							t.Error("no TLS state in the up callback")
						}
						states <- st
					}
					rec.onConnection(c)
				},
				Message: echoMessage,
			}, WithTLS(serverTLS(t)))
			c := dialTLS(t, s, clientTLS(t, tv.v))
			st := recv(t, states, "up callback")
			if st.Version != tv.v || !st.HandshakeComplete {
				t.Fatalf("server state: version %x complete %v", st.Version, st.HandshakeComplete)
			}
			// 1 MiB each way, written while it is read back.
			data := pattern(1<<20, 7)
			errc := make(chan error, 1)
			go func() {
				_, err := c.Write(data)
				errc <- err
			}()
			got := make([]byte, len(data))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("echoed bytes differ")
			}
			_ = c.Close() // close_notify, then FIN
			recv(t, rec.up, "up")
			recv(t, rec.down, "down")
			if st := s.TLSStats(); st.Handshakes != 1 || st.Failures.Total() != 0 || st.InProgress != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestTLSResumption(t *testing.T) {
	for _, tv := range tlsVersions {
		t.Run(tv.name, func(t *testing.T) {
			s := startServer(t, Callbacks{Message: echoMessage}, WithTLS(serverTLS(t)))
			cfg := clientTLS(t, tv.v)
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			for i := range 2 {
				c := dialTLS(t, s, cfg)
				// A TLS 1.3 ticket comes after the handshake: a round trip
				// makes the client read it.
				if _, err := c.Write([]byte("ping")); err != nil {
					t.Fatal(err)
				}
				var b [4]byte
				if _, err := io.ReadFull(c, b[:]); err != nil {
					t.Fatal(err)
				}
				if got := c.ConnectionState().DidResume; got != (i == 1) {
					t.Fatalf("connection %d: DidResume %v", i, got)
				}
				_ = c.Close()
			}
			eventually(t, "two handshakes", func() bool { return s.TLSStats().Handshakes == 2 })
			if st := s.TLSStats(); st.Resumed != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// recordingConn keeps every byte the client reads from the wire.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (r *recordingConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.got = append(r.got, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// lastRecordType walks the TLS records in b and returns the last one's type.
func lastRecordType(b []byte) (byte, bool) {
	var typ byte
	for len(b) >= 5 {
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			return 0, false
		}
		typ, b = b[0], b[5+n:]
	}
	return typ, len(b) == 0
}

func TestTLSShutdownSendsCloseNotify(t *testing.T) {
	s := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			_ = c.SendString("bye")
			c.Shutdown()
		}
	}}, WithTLS(serverTLS(t)))
	rc := &recordingConn{Conn: dial(t, s)}
	c := tls.Client(rc, clientTLS(t, tls.VersionTLS12)) // 1.2: an alert record is visible as such
	_ = c.SetDeadline(time.Now().Add(guard))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "bye" {
		t.Fatalf("read %q, %v", got, err)
	}
	rc.mu.Lock()
	typ, whole := lastRecordType(rc.got)
	rc.mu.Unlock()
	if !whole || typ != 21 {
		t.Fatalf("last record type %d (whole %v), want an alert (21)", typ, whole)
	}
	_ = c.Close()
}

func TestTLSHalfCloseAnswers(t *testing.T) {
	// The client sends its data and close_notify; the server, told of the
	// half-close, answers and shuts down.
	var mu sync.Mutex
	var got []byte
	s := startServer(t, Callbacks{
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			mu.Lock()
			got = append(got, in.Peek()...)
			mu.Unlock()
			in.RetrieveAll()
		},
		HalfClose: func(c *Conn) {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			_ = c.Send(bytes.Repeat([]byte{'x'}, n))
			c.Shutdown()
		},
	}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	data := pattern(300<<10, 3)
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(c)
	if err != nil || len(reply) != len(data) {
		t.Fatalf("reply %d bytes, %v; want %d", len(reply), err, len(data))
	}
	_ = c.Close()
}

func TestTLSBackpressure(t *testing.T) {
	const total = 8 << 20
	high := make(chan int, 1)
	drained := make(chan struct{}, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				_ = c.Send(make([]byte, total))
			}
		},
		HighWaterMark: func(c *Conn, queued int) { high <- queued },
		WriteComplete: func(c *Conn) {
			select {
			case drained <- struct{}{}:
			default:
			}
		},
	}, WithTLS(serverTLS(t)), WithHighWaterMark(1<<20))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	if q := recv(t, high, "high-water mark"); q < 1<<20 {
		t.Fatalf("high-water mark at %d", q)
	}
	if n, err := io.CopyN(io.Discard, c, total); err != nil || n != total {
		t.Fatalf("read %d, %v", n, err)
	}
	recv(t, drained, "write complete")
	_ = c.Close()
}

func TestTLSMutualAuth(t *testing.T) {
	p := getPKI(t)
	cfg := serverTLS(t)
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.ClientCAs = p.ca.Pool()
	peers := make(chan string, 1)
	s := startServer(t, Callbacks{Connection: func(c *Conn) {
		if c.Connected() {
			st, _ := c.TLSConnectionState()
			if len(st.PeerCertificates) > 0 {
				peers <- st.PeerCertificates[0].Subject.CommonName
			}
			_ = c.SendString("ok")
		}
	}}, WithTLS(cfg))
	ccfg := clientTLS(t, tls.VersionTLS13)
	ccfg.Certificates = []tls.Certificate{p.client}
	c := dialTLS(t, s, ccfg)
	if cn := recv(t, peers, "client certificate"); cn != "test-client" {
		t.Fatalf("peer %q", cn)
	}
	var b [2]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()

	// Without a certificate: refused (TLS 1.3 tells the client on its
	// first read), counted, and nothing announced.
	raw := dial(t, s)
	nc := tls.Client(raw, clientTLS(t, tls.VersionTLS13))
	_ = nc.SetDeadline(time.Now().Add(guard))
	_ = nc.Handshake()
	if _, err := nc.Read(b[:]); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	eventually(t, "failure counted", func() bool { return s.TLSStats().Failures.Protocol == 1 })
}

func TestTLSClientAgainstCryptoTLS(t *testing.T) {
	for _, tv := range tlsVersions {
		t.Run(tv.name, func(t *testing.T) {
			ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			served := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					served <- err
					return
				}
				defer c.Close()
				_, err = io.Copy(c, c) // echo until close_notify
				served <- err
			}()
			cl, err := NewClient(ln.Addr().String(), WithLogger(quietLogger), WithTLS(clientTLS(t, tv.v)))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Stop()
			up := make(chan *Conn, 1)
			got := make(chan []byte, 16)
			cl.SetConnectionCallback(func(c *Conn) {
				if c.Connected() {
					up <- c
				}
			})
			cl.SetMessageCallback(func(c *Conn, in *buffer.Buffer, _ time.Time) {
				got <- append([]byte(nil), in.Peek()...)
				in.RetrieveAll()
			})
			cl.Connect()
			c := recv(t, up, "client up")
			if st, ok := c.TLSConnectionState(); !ok || st.Version != tv.v {
				t.Fatalf("client state %x %v", st.Version, ok)
			}
			data := pattern(200<<10, 9)
			_ = c.Send(data)
			var echoed []byte
			for len(echoed) < len(data) {
				echoed = append(echoed, recv(t, got, "echo")...)
			}
			if !bytes.Equal(echoed, data) {
				t.Fatal("echo differs")
			}
			c.Shutdown() // close_notify: the server's copy ends cleanly
			if err := recv(t, served, "server done"); err != nil {
				t.Fatalf("server: %v", err)
			}
			if st := cl.TLSStats(); st.Handshakes != 1 {
				t.Fatalf("client stats %+v", st)
			}
		})
	}
}

func TestTLSClientSendsBeforeHandshake(t *testing.T) {
	// A Send made as soon as the client has a Conn, before its handshake
	// is done, goes out right after the handshake.
	s := startServer(t, Callbacks{Message: echoMessage}, WithTLS(serverTLS(t)))
	cl, err := NewClient(s.Addr().String(), WithLogger(quietLogger), WithTLS(clientTLS(t, tls.VersionTLS13)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	got := make(chan string, 4)
	cl.SetMessageCallback(func(c *Conn, in *buffer.Buffer, _ time.Time) {
		if in.ReadableBytes() >= 5 {
			got <- in.RetrieveAllAsString()
		}
	})
	sent := make(chan struct{})
	cl.SetConnectionCallback(func(c *Conn) {})
	cl.Connect()
	eventually(t, "a connection", func() bool { return cl.Connection() != nil })
	onLoop(cl.Loop(), func() {
		c := cl.Connection()
		if c == nil {
			t.Error("connection gone")
			return
		}
		if _, ok := c.TLSConnectionState(); ok {
			t.Log("handshake already done; the pending path is not exercised")
		}
		_ = c.SendString("early")
		close(sent)
	})
	<-sent
	if m := recv(t, got, "echo"); m != "early" {
		t.Fatalf("got %q", m)
	}
}

func TestTLSStatsInVars(t *testing.T) {
	s := startServer(t, Callbacks{Message: echoMessage}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	_ = c.Close()
	eventually(t, "handshake counted", func() bool { return s.TLSStats().Handshakes == 1 })
	if v := s.Vars(); v.TLS == nil || v.TLS.Handshakes != 1 {
		t.Fatalf("vars %+v", v.TLS)
	}
	plain := startServer(t, Callbacks{})
	if v := plain.Vars(); v.TLS != nil {
		t.Fatal("a plain server reports TLS")
	}
}

func TestTLSStopReadBackpressure(t *testing.T) {
	// The server stops reading after the first message: no message
	// callback comes until StartRead, which lets every byte through, in
	// order.
	const total = 4 << 20
	var mu sync.Mutex
	var got []byte
	var paused bool
	stopped := make(chan *Conn, 1)
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		mu.Lock()
		if paused {
			t.Error("a message callback while reading was stopped")
		}
		first := len(got) == 0
		got = append(got, in.Peek()...)
		paused = first
		mu.Unlock()
		in.RetrieveAll()
		if first {
			c.StopRead()
			stopped <- c
		}
	}}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	data := pattern(total, 5)
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		wrote <- err
	}()
	sc := recv(t, stopped, "stopped")
	onLoop(sc.Loop(), func() {
		mu.Lock()
		paused = false
		mu.Unlock()
		sc.StartRead()
	})
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	eventually(t, "every byte", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == total
	})
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(got, data) {
		t.Fatal("bytes differ")
	}
	_ = c.Close()
}
