//go:build linux

package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mnet "github.com/seed08ffa9f8/muduo-go/net"
)

// serveInBackground runs s.Serve(l) and returns its result channel; the
// server is closed when the test ends.
func serveInBackground(t *testing.T, s *Server, l net.Listener) <-chan error {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return served
}

// echoRoundTrip writes msg on a new connection to addr and reads it back.
func echoRoundTrip(t *testing.T, addr string, msg string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, guard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("echo from %s: %v", addr, err)
	}
	if string(got) != msg {
		t.Fatalf("echo from %s = %q, want %q", addr, got, msg)
	}
}

// TestServeListener: Serve takes over a listener made with net.Listen:
// a connection the kernel queued before Serve was called is served, Addr
// is the listener's address, the listener itself is closed, and Shutdown
// makes Serve return ErrServerClosed, after which nothing listens.
func TestServeListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	early, err := net.DialTimeout("tcp", addr, guard) // waits in the backlog
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()

	s := NewServer(WithLogger(quietLogger), WithLoops(2))
	s.SetMessageCallback(echoMessage)
	served := serveInBackground(t, s, l)
	eventually(t, "Serve to listen", func() bool { return s.Addr().Port() != 0 })
	if s.Addr().String() != addr {
		t.Fatalf("Addr() = %v, want the listener's %s", s.Addr(), addr)
	}
	_ = early.SetDeadline(time.Now().Add(guard))
	if _, err := early.Write([]byte("queued")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(early, got); err != nil || string(got) != "queued" {
		t.Fatalf("the connection queued before Serve: %q, %v", got, err)
	}
	for i := 0; i < 4; i++ {
		echoRoundTrip(t, addr, "hello")
	}
	if mnet.Backend == "epoll" {
		// (On the portable backend an accept goroutine reads l itself.)
		if _, err := l.Accept(); err == nil {
			t.Fatal("the listener handed to Serve still accepts")
		}
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while serving", err)
	default:
	}
	early.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve after Shutdown = %v, want ErrServerClosed", err)
		}
	case <-time.After(guard):
		t.Fatal("Serve did not return after Shutdown")
	}
	if c, err := net.DialTimeout("tcp", addr, guard); err == nil {
		c.Close()
		t.Fatal("something still listens on the address after Shutdown: the duplicate socket leaked")
	}
}

// TestServeDualStack: a listener on ":0" (dual-stack, as net.Listen makes
// it) is served for IPv4 and IPv6 clients alike.
func TestServeDualStack(t *testing.T) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(WithLogger(quietLogger))
	s.SetMessageCallback(echoMessage)
	serveInBackground(t, s, l)
	eventually(t, "Serve to listen", func() bool { return s.Addr().Port() != 0 })
	port := s.Addr().Port()
	echoRoundTrip(t, net.JoinHostPort("127.0.0.1", itoa(port)), "v4")
	if c, err := net.Dial("tcp", net.JoinHostPort("::1", itoa(port))); err == nil {
		c.Close()
		echoRoundTrip(t, net.JoinHostPort("::1", itoa(port)), "v6")
	} else {
		t.Logf("no IPv6 loopback here (%v): the IPv6 half is not checked", err)
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

// TestServeRefuses: Serve says why it can not serve a listener, closes
// it, and leaves the server unstarted, so a second Serve with a usable
// listener works; after Close, Serve is ErrServerClosed.
func TestServeRefuses(t *testing.T) {
	if err := NewServer(WithLogger(quietLogger)).Serve(nil); err == nil {
		t.Fatal("Serve(nil) = nil")
	}
	unixListener, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsListener := tls.NewListener(inner, &tls.Config{})
	for _, tc := range []struct {
		name string
		l    net.Listener
		want string
	}{
		{"unix", unixListener, ""},
		{"tls", tlsListener, "WithTLS"},
	} {
		s := NewServer(WithLogger(quietLogger))
		err := s.Serve(tc.l)
		if err == nil || errors.Is(err, ErrServerClosed) {
			t.Fatalf("%s: Serve = %v, want a refusal", tc.name, err)
		}
		if !strings.Contains(err.Error(), "tcp: Serve") || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: Serve = %q, want it to say tcp: Serve and %q", tc.name, err, tc.want)
		}
		if _, err := tc.l.Accept(); err == nil {
			t.Fatalf("%s: the refused listener was left open", tc.name)
		}
		// The refusal left the server as new: it can still serve.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.SetMessageCallback(echoMessage)
		serveInBackground(t, s, l)
		eventually(t, "Serve to listen", func() bool { return s.Addr().Port() != 0 })
		echoRoundTrip(t, s.Addr().String(), tc.name)
	}

	s := NewServer(WithLogger(quietLogger))
	_ = s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close = %v, want ErrServerClosed", err)
	}
	if _, err := l.Accept(); err == nil {
		t.Fatal("Serve after Close left the listener open")
	}
}

// TestServeShutdownRace: `go s.Serve(l)` followed at once by Shutdown or
// Close, as a test or a signal handler does it, always ends with Serve
// returning ErrServerClosed and nothing left listening, whichever of the
// two goroutines gets there first; and Shutdown before Start keeps the
// server from starting, as net/http's does.
func TestServeShutdownRace(t *testing.T) {
	for i := 0; i < 40; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		s := NewServer(WithLogger(quietLogger))
		served := make(chan error, 1)
		go func() { served <- s.Serve(l) }()
		if i%2 == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			_ = s.Shutdown(ctx)
			cancel()
		} else {
			_ = s.Close()
		}
		select {
		case err := <-served:
			if !errors.Is(err, ErrServerClosed) {
				t.Fatalf("round %d: Serve = %v, want ErrServerClosed", i, err)
			}
		case <-time.After(guard):
			t.Fatalf("round %d: Serve still running after Shutdown/Close", i)
		}
		if c, err := net.DialTimeout("tcp", addr, guard); err == nil {
			c.Close()
			t.Fatalf("round %d: the address still accepts connections", i)
		}
	}
	s := NewServer(WithLogger(quietLogger))
	_ = s.Shutdown(context.Background())
	if err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Start after Shutdown = %v, want ErrServerClosed", err)
	}
}

// fakeListener is a net.Listener over another socket: Serve must check
// what it is handed, not trust the type.
type fakeListener struct {
	net.Listener
	raw syscall.Conn // nil: a listener with no socket at all
}

func (f fakeListener) SyscallConn() (syscall.RawConn, error) { return f.raw.SyscallConn() }

// TestServeRefusesOtherSockets: a listener whose socket is connected, not
// listening, or a datagram socket is refused with the reason, and the
// server left unstarted; so is one with no socket to take over.
func TestServeRefusesOtherSockets(t *testing.T) {
	if mnet.Backend != "epoll" {
		t.Skip("the portable backend takes *net.TCPListener only (TestServeRefuses)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	for _, tc := range []struct {
		name string
		l    net.Listener
		want string
	}{
		{"connected", fakeListener{Listener: l, raw: conn.(*net.TCPConn)}, "not listening"},
		{"udp", fakeListener{Listener: l, raw: udp.(*net.UDPConn)}, "not a stream socket"},
	} {
		s := NewServer(WithLogger(quietLogger))
		err := s.Serve(tc.l)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: Serve = %v, want %q", tc.name, err, tc.want)
		}
		_ = s.Close()
	}
	type plain struct{ net.Listener }
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := NewServer(WithLogger(quietLogger)).Serve(plain{l2}); err == nil || !strings.Contains(err.Error(), "no socket") {
		t.Fatalf("Serve(a listener without SyscallConn) = %v", err)
	}
}

// TestIPv6OnlyListener: WithIPv6Only keeps a ":port" listener off IPv4.
func TestIPv6OnlyListener(t *testing.T) {
	if c, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		c.Close()
	}
	s := NewServer(WithLogger(quietLogger), WithIPv6Only(true))
	s.SetMessageCallback(echoMessage)
	if err := s.Start(":0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port := itoa(s.Addr().Port())
	echoRoundTrip(t, net.JoinHostPort("::1", port), "v6")
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), guard); err == nil {
		c.Close()
		t.Fatal("an IPv6-only listener accepted an IPv4 connection")
	}
}
