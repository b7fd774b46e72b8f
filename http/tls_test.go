package http

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	stdhttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

type tlsPKI struct {
	ca             *tlscert.CA
	server, client tls.Certificate
	other          tls.Certificate // for "other.test", by SNI
}

var (
	tlsPKIOnce sync.Once
	tlsPKIVal  tlsPKI
	tlsPKIErr  error
)

func getTLSPKI(t testing.TB) tlsPKI {
	t.Helper()
	tlsPKIOnce.Do(func() {
		p := &tlsPKIVal
		if p.ca, tlsPKIErr = tlscert.NewCA(); tlsPKIErr != nil {
			return
		}
		if p.server, tlsPKIErr = p.ca.Server(tlscert.ECDSAP256, "127.0.0.1", "localhost"); tlsPKIErr != nil {
			return
		}
		if p.other, tlsPKIErr = p.ca.Server(tlscert.ECDSAP256, "other.test"); tlsPKIErr != nil {
			return
		}
		p.client, tlsPKIErr = p.ca.Client(tlscert.ECDSAP256, "alice")
	})
	if tlsPKIErr != nil {
		t.Fatal(tlsPKIErr)
	}
	return tlsPKIVal
}

// tlsRouter reveals what r.TLS says, and echoes bodies.
func tlsRouter() *Router {
	rt := NewRouter()
	rt.GET("/tls", func(w *ResponseWriter, r *Request) {
		st := r.TLS()
		if st == nil {
			_, _ = w.WriteString("plain")
			return
		}
		peer := ""
		if len(st.PeerCertificates) > 0 {
			peer = st.PeerCertificates[0].Subject.CommonName
		}
		_, _ = fmt.Fprintf(w, "v=%x alpn=%s sni=%s resumed=%v peer=%s", st.Version, st.NegotiatedProtocol, st.ServerName, st.DidResume, peer)
	})
	rt.Handle("/stream", Adapt(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			w.WriteHeader(500)
			return
		}
		tlsOn := r.TLS != nil && r.TLS.HandshakeComplete
		_, _ = fmt.Fprintf(w, "%d %s tls=%v", n, hex.EncodeToString(h.Sum(nil)), tlsOn)
	})))
	rt.GET("/big", func(w *ResponseWriter, r *Request) {
		_, _ = w.Write(make([]byte, 3<<20))
	})
	return rt
}

func startTLSServer(t testing.TB, cfg *tls.Config, opts ...Option) *Server {
	t.Helper()
	if cfg == nil {
		cfg = &tls.Config{Certificates: []tls.Certificate{getTLSPKI(t).server}}
	}
	return startServer(t, tlsRouter(), append([]Option{WithTLSConfig(cfg)}, opts...)...)
}

func tlsClient(t testing.TB, version uint16) *stdhttp.Client {
	p := getTLSPKI(t)
	tr := &stdhttp.Transport{TLSClientConfig: &tls.Config{
		RootCAs: p.ca.Pool(), MinVersion: version, MaxVersion: version,
		ClientSessionCache: tls.NewLRUClientSessionCache(8), NextProtos: []string{"http/1.1"},
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &stdhttp.Client{Transport: tr, Timeout: time.Minute}
}

func getBody(t testing.TB, c *stdhttp.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTTPSGoClient(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(fmt.Sprintf("%x", v), func(t *testing.T) {
			s := startTLSServer(t, nil)
			c := tlsClient(t, v)
			base := "https://" + s.Addr().String()
			want := fmt.Sprintf("v=%x alpn=http/1.1 sni= resumed=false peer=", v)
			if got := getBody(t, c, base+"/tls"); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			// A new connection resumes the session.
			c.Transport.(*stdhttp.Transport).CloseIdleConnections()
			if got := getBody(t, c, base+"/tls"); !strings.Contains(got, "resumed=true") {
				t.Fatalf("second connection: %q", got)
			}
			if n := len(getBody(t, c, base+"/big")); n != 3<<20 {
				t.Fatalf("big body %d bytes", n)
			}
			if st := s.TCP().TLSStats(); st.Handshakes != 2 || st.Resumed != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestHTTPSStreamingBodyThroughAdapter(t *testing.T) {
	s := startTLSServer(t, nil)
	c := tlsClient(t, tls.VersionTLS13)
	body := strings.Repeat("0123456789abcdef", 1<<18) // 4 MiB, sent chunked
	resp, err := c.Post("https://"+s.Addr().String()+"/stream", "application/octet-stream", io.MultiReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256([]byte(body))
	if want := fmt.Sprintf("%d %s tls=true", len(body), hex.EncodeToString(sum[:])); string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHTTPSPlainRequestAnsweredAsNetHTTP(t *testing.T) {
	// The same bytes to net/http's TLS server and to ours.
	ref := httptest.NewUnstartedServer(stdhttp.NotFoundHandler())
	ref.Config.ErrorLog = log.New(io.Discard, "", 0)
	ref.StartTLS()
	defer ref.Close()
	s := startTLSServer(t, nil)
	for _, req := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "POST /x HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS * HTTP/1.1\r\n\r\n", "BREW / HTTP/1.1\r\n\r\n"} {
		answer := func(addr string) string {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			_, _ = c.Write([]byte(req))
			b, _ := io.ReadAll(c) // until the server closes
			return string(b)
		}
		want, got := answer(ref.Listener.Addr().String()), answer(s.Addr().String())
		if got != want {
			t.Errorf("%q: got %q, net/http %q", req, got, want)
		}
	}
	if st := s.TCP().TLSStats(); st.Failures.NotTLS != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHTTPSALPN(t *testing.T) {
	s := startTLSServer(t, &tls.Config{Certificates: []tls.Certificate{getTLSPKI(t).server}, NextProtos: []string{"h2", "http/1.1"}})
	p := getTLSPKI(t)
	dial := func(protos ...string) (*tls.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: time.Minute}, "tcp", s.Addr().String(),
			&tls.Config{RootCAs: p.ca.Pool(), NextProtos: protos})
	}
	c, err := dial("h2", "http/1.1")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectionState().NegotiatedProtocol; got != "http/1.1" {
		t.Fatalf("negotiated %q: h2 must not be chosen by an HTTP/1.1 server", got)
	}
	_ = c.Close()
	if _, err := dial("h2"); err == nil || !strings.Contains(err.Error(), "no application protocol") {
		t.Fatalf("h2 only: %v", err)
	}
	c, err = dial() // no ALPN at all: fine
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
}

func TestHTTPSSNIAndMutualTLS(t *testing.T) {
	p := getTLSPKI(t)
	cfg := &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if hello.ServerName == "other.test" {
				return &p.other, nil
			}
			return &p.server, nil
		},
		ClientAuth: tls.VerifyClientCertIfGiven,
		ClientCAs:  p.ca.Pool(),
	}
	s := startTLSServer(t, cfg)
	tr := &stdhttp.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ca.Pool(), ServerName: "other.test", Certificates: []tls.Certificate{p.client}}}
	defer tr.CloseIdleConnections()
	got := getBody(t, &stdhttp.Client{Transport: tr}, "https://"+s.Addr().String()+"/tls")
	if !strings.Contains(got, "sni=other.test") || !strings.Contains(got, "peer=alice") {
		t.Fatalf("got %q", got)
	}
}

func TestHTTPSPipelining(t *testing.T) {
	s := startTLSServer(t, nil)
	c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: getTLSPKI(t).ca.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	const n = 32
	_, _ = c.Write([]byte(strings.Repeat("GET /tls HTTP/1.1\r\nHost: x\r\n\r\n", n)))
	br := bufio.NewReader(c)
	for i := range n {
		resp, err := stdhttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if !strings.HasPrefix(string(b), "v=304") {
			t.Fatalf("response %d: %q", i, b)
		}
	}
}

// closeNotifyConn records the raw bytes a TLS client reads.
type closeNotifyConn struct {
	net.Conn
	mu  sync.Mutex
	raw []byte
}

func (c *closeNotifyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.raw = append(c.raw, p[:n]...)
	c.mu.Unlock()
	return n, err
}

func TestHTTPSShutdownSendsCloseNotify(t *testing.T) {
	s := NewServer(tlsRouter(), WithLogger(quietLogger), WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{getTLSPKI(t).server}}))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc := &closeNotifyConn{Conn: raw}
	c := tls.Client(rc, &tls.Config{RootCAs: getTLSPKI(t).ca.Pool(), ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12})
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	_, _ = c.Write([]byte("GET /tls HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(c)
	resp, err := stdhttp.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after shutdown: %v, want EOF", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// The last record is an alert (TLS 1.2 leaves its type in clear).
	b, last := rc.raw, byte(0)
	for len(b) >= 5 {
		n := int(b[3])<<8 | int(b[4])
		last, b = b[0], b[min(len(b), 5+n):]
	}
	if last != 21 || len(b) != 0 {
		t.Fatalf("last record type %d, %d bytes left over: no close_notify", last, len(b))
	}
}

func TestHTTPSHijackOverTLS(t *testing.T) {
	rt := NewRouter()
	rt.Handle("/hijack", Adapt(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		conn, brw, err := w.(stdhttp.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, _ := brw.ReadString('\n')
		_, _ = conn.Write([]byte("echo: " + line))
	})))
	s := startServer(t, rt, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{getTLSPKI(t).server}}))
	c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: getTLSPKI(t).ca.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	_, _ = c.Write([]byte("GET /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"))
	br := bufio.NewReader(c)
	resp, err := stdhttp.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	_, _ = c.Write([]byte("hello over tls\n"))
	line, err := br.ReadString('\n')
	if err != nil || line != "echo: hello over tls\n" {
		t.Fatalf("%q %v", line, err)
	}
}

func TestPlainServerRequestTLSIsNil(t *testing.T) {
	s := startServer(t, tlsRouter())
	if got := getBody(t, stdhttp.DefaultClient, "http://"+s.Addr().String()+"/tls"); got != "plain" {
		t.Fatalf("got %q", got)
	}
}

func TestStartTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, err := tlscert.WritePEM(dir, "server", getTLSPKI(t).server)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(tlsRouter(), WithLogger(quietLogger))
	if err := s.StartTLS("127.0.0.1:0", certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := getBody(t, tlsClient(t, tls.VersionTLS13), "https://"+s.Addr().String()+"/tls"); !strings.HasPrefix(got, "v=304") {
		t.Fatalf("got %q", got)
	}
	if err := NewServer(tlsRouter()).StartTLS("127.0.0.1:0", "", ""); err == nil {
		t.Fatal("StartTLS without a certificate started")
	}
	if err := NewServer(tlsRouter()).StartTLS("127.0.0.1:0", dir+"/none.crt", keyFile); err == nil {
		t.Fatal("StartTLS with a missing file started")
	}
}
