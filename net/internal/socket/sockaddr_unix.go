//go:build unix

package socket

import (
	stdnet "net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// The conversions between netip.AddrPort and the socket addresses of
// golang.org/x/sys/unix exist on Unix systems only (Windows has no
// unix.Sockaddr).

// Family returns AF_INET or AF_INET6 for ap.
func Family(ap netip.AddrPort) int {
	if ap.Addr().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// ToSockaddr converts ap to the socket address the system calls take.
func ToSockaddr(ap netip.AddrPort) unix.Sockaddr {
	a := ap.Addr()
	if a.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		if ifi, err := stdnet.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else if id, err := strconv.ParseUint(z, 10, 32); err == nil {
			sa.ZoneId = uint32(id) // a numeric zone is the interface index
		}
	}
	return sa
}

// FromSockaddr converts a socket address back; IPv4-mapped IPv6 addresses
// are unmapped so that they print as IPv4. A scope id is kept as a numeric
// zone (which ToSockaddr turns back into the same scope id).
func FromSockaddr(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		a := netip.AddrFrom16(sa.Addr).Unmap()
		if sa.ZoneId != 0 && a.Is6() {
			a = a.WithZone(strconv.FormatUint(uint64(sa.ZoneId), 10))
		}
		return netip.AddrPortFrom(a, uint16(sa.Port))
	}
	return netip.AddrPort{}
}
