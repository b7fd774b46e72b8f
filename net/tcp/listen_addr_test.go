//go:build linux

package tcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	mnet "github.com/seed08ffa9f8/muduo-go/net"
)

func ipv6Loopback() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// startServerAt starts an echo server on addr and closes it when the test
// ends.
func startServerAt(t *testing.T, addr string, cb Callbacks) *Server {
	t.Helper()
	s := NewServer(WithLogger(quietLogger))
	s.SetCallbacks(cb)
	if err := s.Start(addr); err != nil {
		t.Fatalf("Start %q: %v", addr, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestServerListensLikeNetListen: a server takes the addresses net.Listen
// takes. Regression: "localhost:8081" failed with "unable to parse IP",
// "127.0.0.1:http" was refused, ":8082" bound IPv4 only.
func TestServerListensLikeNetListen(t *testing.T) {
	// localhost listens where net.Listen("tcp", "localhost:0") would.
	s := startServerAt(t, "localhost:0", Callbacks{Message: echoMessage})
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	want := l.Addr().(*net.TCPAddr).AddrPort().Addr().Unmap()
	l.Close()
	if s.Addr().Addr() != want {
		t.Errorf("localhost server on %v, net.Listen on %v", s.Addr(), want)
	}
	if err := echoOnce(s.Addr().String()); err != nil {
		t.Errorf("echo via localhost server: %v", err)
	}

	// A service name is a port.
	// (Resolved, not listened on: port 80 may be taken.)
	named, err := mnet.ResolveListen(context.Background(), "127.0.0.1:http")
	if err != nil || named != netip.MustParseAddrPort("127.0.0.1:80") {
		t.Errorf("127.0.0.1:http is %v, %v", named, err)
	}

	// Errors quote the address and wrap the cause.
	for _, in := range []string{"127.0.0.1:no-such-service-xyz", "127.0.0.1:70000", "no-port"} {
		err := NewServer(WithLogger(quietLogger)).Start(in)
		var addrErr *net.AddrError
		var dnsErr *net.DNSError
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(in)) || !errors.As(err, &addrErr) && !errors.As(err, &dnsErr) {
			t.Errorf("Start(%q) error = %v, want one quoting the address and wrapping net's error", in, err)
		}
	}
}

// TestServerDualStack: ":port" is one dual-stack socket, as net.Listen's:
// IPv4 and IPv6 clients both connect, and peers are reported as net
// reports them (an IPv4 peer unmapped).
func TestServerDualStack(t *testing.T) {
	if !ipv6Loopback() {
		t.Skip("no IPv6 loopback here")
	}
	rec := newRecorder()
	s := startServerAt(t, ":0", Callbacks{Connection: rec.onConnection, Message: echoMessage})
	if s.Addr().Addr() != netip.IPv6Unspecified() {
		t.Fatalf(":0 listens on %v, net.Listen on [::]", s.Addr())
	}
	port := strconv.Itoa(int(s.Addr().Port()))
	for _, target := range []string{"127.0.0.1:" + port, "[::1]:" + port} {
		c, err := net.DialTimeout("tcp", target, guard)
		if err != nil {
			t.Fatalf("dial %s: %v", target, err)
		}
		sc := recv(t, rec.up, "connection up")
		if want := c.LocalAddr().(*net.TCPAddr).AddrPort(); sc.PeerAddr() != want {
			t.Errorf("dial %s: server sees peer %v, want %v", target, sc.PeerAddr(), want)
		}
		if want := c.RemoteAddr().(*net.TCPAddr).AddrPort(); sc.LocalAddr() != want {
			t.Errorf("dial %s: server's local address %v, want %v", target, sc.LocalAddr(), want)
		}
		c.Close()
	}
	// IPV6_V6ONLY is off on the listening socket: checked on the fd.
	fd := s.acceptor.fd
	var v int
	onLoop(s.base, func() { v, _ = unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY) })
	if v != 0 {
		t.Errorf("IPV6_V6ONLY = %d on the :0 listener", v)
	}

	// "[::1]:port" is IPv6 only.
	s6 := startServerAt(t, "[::1]:0", Callbacks{Message: echoMessage})
	if err := echoOnce(s6.Addr().String()); err != nil || !s6.Addr().Addr().Is6() {
		t.Errorf("[::1] server on %v: %v", s6.Addr(), err)
	}
}
