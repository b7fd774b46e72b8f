//go:build unix

package net

import (
	"context"
	"errors"
	stdnet "net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/net/internal/socket"
)

// hasIPv6 reports whether [::1] can be bound here.
func hasIPv6() bool {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}) == nil
}

// TestResolveListenLikeNetListen binds every address of the table with
// ResolveListen+Listen and with the standard library's net.Listen, and
// checks that both listen on the same address. Regression: ":8082" bound
// IPv4 only, "localhost:8081" failed ("unable to parse IP").
func TestResolveListenLikeNetListen(t *testing.T) {
	v6 := hasIPv6()
	for _, tt := range []struct {
		in      string
		network string // what net.Listen is given
		needV6  bool
	}{
		{"127.0.0.1:0", "tcp", false},
		{"127.0.0.1:", "tcp", false},
		{"localhost:0", "tcp", false},
		{"[::ffff:127.0.0.1]:0", "tcp", false},
		{":0", "tcp", true},
		{"[::]:0", "tcp", true},
		{"[::1]:0", "tcp", true},
		{"0.0.0.0:0", "tcp4", false}, // the documented difference
	} {
		if tt.needV6 && !v6 {
			t.Logf("%s: no IPv6 here", tt.in)
			continue
		}
		ap, err := ResolveListen(context.Background(), tt.in)
		if err != nil {
			t.Errorf("ResolveListen(%q): %v", tt.in, err)
			continue
		}
		fd, err := socket.Listen(ap, socket.ListenConfig{})
		if err != nil {
			t.Errorf("Listen(%v) for %q: %v", ap, tt.in, err)
			continue
		}
		got, _ := socket.LocalAddr(fd)
		unix.Close(fd)
		l, err := stdnet.Listen(tt.network, tt.in)
		if err != nil {
			t.Errorf("net.Listen(%s, %q): %v", tt.network, tt.in, err)
			continue
		}
		want := l.Addr().(*stdnet.TCPAddr).AddrPort()
		l.Close()
		if got.Addr() != want.Addr().Unmap() || got.Port() == 0 {
			t.Errorf("%q listens on %v, net.Listen on %v", tt.in, got, want)
		}
	}
}

// TestResolveListenLikeResolveTCPAddr compares ports (service names
// included) and hosts with net.ResolveTCPAddr, and errors: where the
// standard library fails, so does ResolveListen, quoting the address and
// wrapping an error of the same type.
func TestResolveListenLikeResolveTCPAddr(t *testing.T) {
	for _, in := range []string{
		"127.0.0.1:http", "127.0.0.1:https", "127.0.0.1:80", "127.0.0.1:65535",
		"localhost:8081", "[::1]:http", "[fe80::1%1]:80",
		// Errors.
		"127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:no-such-service-xyz",
		"127.0.0.1", "[::1", "no-such-host.invalid:80", "",
	} {
		want, werr := stdnet.ResolveTCPAddr("tcp", in)
		got, err := ResolveListen(context.Background(), in)
		if werr != nil {
			if err == nil {
				t.Errorf("ResolveListen(%q) = %v, net: %v", in, got, werr)
				continue
			}
			if !strings.Contains(err.Error(), strconv.Quote(in)) {
				t.Errorf("ResolveListen(%q) error %q does not quote the address", in, err)
			}
			var dnsErr *stdnet.DNSError
			var addrErr *stdnet.AddrError
			if errors.As(werr, &dnsErr) && !errors.As(err, &dnsErr) || errors.As(werr, &addrErr) && !errors.As(err, &addrErr) {
				t.Errorf("ResolveListen(%q) error %q wraps a different cause than net's %q", in, err, werr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ResolveListen(%q): %v (net: %v)", in, err, want)
			continue
		}
		if want.IP == nil { // "every address": net leaves the IP out
			if !got.Addr().IsUnspecified() || got.Port() != uint16(want.Port) {
				t.Errorf("ResolveListen(%q) = %v, net: %v", in, got, want)
			}
			continue
		}
		if w := want.AddrPort(); got.Port() != w.Port() || got.Addr().WithZone("") != w.Addr().Unmap().WithZone("") {
			t.Errorf("ResolveListen(%q) = %v, net: %v", in, got, w)
		}
	}
}

// TestResolveNamesForClients: a client resolves service names and host
// names as net.ResolveTCPAddr does, with errors that quote the address.
func TestResolveNamesForClients(t *testing.T) {
	for _, in := range []string{"127.0.0.1:http", "localhost:http", "[::1]:https", "localhost:8081"} {
		want, werr := stdnet.ResolveTCPAddr("tcp", in)
		got, err := Resolve(context.Background(), "tcp", in)
		if werr != nil || err != nil {
			t.Errorf("%q: net %v, ours %v", in, werr, err)
			continue
		}
		if w := want.AddrPort(); got.Port() != w.Port() || got.Addr() != w.Addr().Unmap() {
			t.Errorf("Resolve(%q) = %v, net: %v", in, got, w)
		}
	}
	for _, in := range []string{"127.0.0.1:70000", "127.0.0.1:nope-nope", "no-such-host.invalid:80"} {
		if _, err := Resolve(context.Background(), "tcp", in); err == nil || !strings.Contains(err.Error(), strconv.Quote(in)) {
			t.Errorf("Resolve(%q) error = %v, want one quoting the address", in, err)
		}
	}
}
