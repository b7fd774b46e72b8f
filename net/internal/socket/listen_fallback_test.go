//go:build unix

package socket

import (
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
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

// TestListenDualStackFallback: where the IPv6 wildcard can not be bound
// (no IPv6), Listen binds the IPv4 wildcard; the errors that mean "no
// IPv6" are the ones Go's net treats so.
func TestListenDualStackFallback(t *testing.T) {
	dual := netip.MustParseAddrPort("[::]:0")
	if !isDualStack(dual, ListenConfig{}) || isDualStack(dual, ListenConfig{IPv6Only: true}) ||
		isDualStack(netip.MustParseAddrPort("[::1]:0"), ListenConfig{}) {
		t.Fatal("isDualStack")
	}
	for _, e := range []error{unix.EAFNOSUPPORT, unix.EADDRNOTAVAIL, unix.EPROTONOSUPPORT} {
		if !noIPv6(errors.Join(errors.New("net: socket"), e)) {
			t.Errorf("noIPv6(%v) = false", e)
		}
	}
	if noIPv6(unix.EADDRINUSE) {
		t.Error("noIPv6(EADDRINUSE): a port in use must not fall back")
	}
	if !hasIPv6() {
		fd, err := Listen(dual, ListenConfig{})
		if err != nil {
			t.Fatalf("Listen([::]:0) without IPv6: %v", err)
		}
		defer unix.Close(fd)
		if a, _ := LocalAddr(fd); !a.Addr().Is4() {
			t.Fatalf("fallback listener on %v", a)
		}
	}
}
