//go:build unix

package socket

import (
	stdnet "net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFamily(t *testing.T) {
	if Family(netip.MustParseAddrPort("1.2.3.4:5")) != unix.AF_INET {
		t.Error("IPv4 is not AF_INET")
	}
	if Family(netip.MustParseAddrPort("[::1]:5")) != unix.AF_INET6 {
		t.Error("IPv6 is not AF_INET6")
	}
	if Family(netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")) != unix.AF_INET6 {
		t.Error("IPv4-mapped IPv6 must use an AF_INET6 socket")
	}
}

func TestSockaddrRoundTrip(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1:80", "0.0.0.0:0", "10.1.2.3:65535",
		"[::1]:80", "[::]:1", "[2001:db8::dead:beef]:443",
	} {
		ap := netip.MustParseAddrPort(s)
		sa := ToSockaddr(ap)
		switch sa := sa.(type) {
		case *unix.SockaddrInet4:
			if !ap.Addr().Is4() || sa.Port != int(ap.Port()) || sa.Addr != ap.Addr().As4() {
				t.Errorf("%s -> %+v", s, sa)
			}
		case *unix.SockaddrInet6:
			if !ap.Addr().Is6() || sa.Port != int(ap.Port()) || sa.Addr != ap.Addr().As16() {
				t.Errorf("%s -> %+v", s, sa)
			}
		default:
			t.Errorf("%s -> %T", s, sa)
		}
		if back := FromSockaddr(sa); back != ap {
			t.Errorf("round trip of %s gave %s", s, back)
		}
	}
}

func TestSockaddrIPv4Mapped(t *testing.T) {
	mapped := netip.MustParseAddrPort("[::ffff:192.0.2.7]:8080")
	sa, ok := ToSockaddr(mapped).(*unix.SockaddrInet6)
	if !ok {
		t.Fatalf("mapped address gave %T, want *unix.SockaddrInet6", ToSockaddr(mapped))
	}
	want := [16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: 7}
	if sa.Addr != want || sa.Port != 8080 {
		t.Fatalf("mapped sockaddr = %v:%d", sa.Addr, sa.Port)
	}
	// Coming back, a mapped address is unmapped so that it prints as IPv4.
	back := FromSockaddr(sa)
	if back != netip.MustParseAddrPort("192.0.2.7:8080") || !back.Addr().Is4() {
		t.Fatalf("FromSockaddr(mapped) = %v, want 192.0.2.7:8080", back)
	}
}

func TestFromSockaddrOther(t *testing.T) {
	if got := FromSockaddr(&unix.SockaddrUnix{Name: "/tmp/x"}); got.IsValid() {
		t.Fatalf("unix sockaddr gave %v", got)
	}
	if got := FromSockaddr(nil); got.IsValid() {
		t.Fatalf("nil sockaddr gave %v", got)
	}
}

func TestToSockaddrZone(t *testing.T) {
	ifs, err := stdnet.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Skip("no interfaces")
	}
	ifi := ifs[0]
	ap := netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone(ifi.Name), 9)
	sa := ToSockaddr(ap).(*unix.SockaddrInet6)
	if sa.ZoneId != uint32(ifi.Index) {
		t.Fatalf("zone %q gave ZoneId %d, want %d", ifi.Name, sa.ZoneId, ifi.Index)
	}
}

func TestSockaddrNumericZoneRoundTrip(t *testing.T) {
	ap := netip.MustParseAddrPort("[fe80::1%7]:9")
	sa, ok := ToSockaddr(ap).(*unix.SockaddrInet6)
	if !ok || sa.ZoneId != 7 {
		t.Fatalf("numeric zone 7 gave %+v", ToSockaddr(ap))
	}
	back := FromSockaddr(sa)
	if back != ap {
		t.Fatalf("round trip of %v gave %v", ap, back)
	}
	// The scope id survives FromSockaddr -> ToSockaddr.
	sa2 := ToSockaddr(FromSockaddr(&unix.SockaddrInet6{Port: 1, ZoneId: 3, Addr: netip.MustParseAddr("fe80::2").As16()}))
	if sa2.(*unix.SockaddrInet6).ZoneId != 3 {
		t.Fatalf("scope id lost: %+v", sa2)
	}
}
