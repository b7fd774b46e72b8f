//go:build linux && !muduo_portable

package socket

import (
	"fmt"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Accept and the local-address lookup run once per connection on the
// accepting loop. x/sys's Accept4 and Getsockname build a Sockaddr on the
// heap (and Accept4 asks the listener for SO_PROTOCOL, one more syscall);
// these variants decode the kernel's raw sockaddr straight into a
// netip.AddrPort, with no allocation and one syscall.

// Accept takes one connection from a listening socket; the new fd is
// non-blocking and close-on-exec. Errors wrap the errno (errors.Is(err,
// unix.EAGAIN) and so on).
func Accept(lfd int) (int, netip.AddrPort, error) {
	var rsa unix.RawSockaddrAny
	l := uint32(unix.SizeofSockaddrAny)
	nfd, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&rsa)),
		uintptr(unsafe.Pointer(&l)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, netip.AddrPort{}, fmt.Errorf("net: accept: %w", e)
	}
	return int(nfd), rawToAddrPort(&rsa), nil
}

// LocalAddr returns the address fd is bound to.
func LocalAddr(fd int) (netip.AddrPort, error) {
	var rsa unix.RawSockaddrAny
	l := uint32(unix.SizeofSockaddrAny)
	_, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&l)))
	if e != 0 {
		return netip.AddrPort{}, fmt.Errorf("net: getsockname: %w", e)
	}
	return rawToAddrPort(&rsa), nil
}

// PeerAddr returns the address fd is connected to.
func PeerAddr(fd int) (netip.AddrPort, error) {
	var rsa unix.RawSockaddrAny
	l := uint32(unix.SizeofSockaddrAny)
	_, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&l)))
	if e != 0 {
		return netip.AddrPort{}, fmt.Errorf("net: getpeername: %w", e)
	}
	return rawToAddrPort(&rsa), nil
}

// rawToAddrPort decodes an AF_INET or AF_INET6 sockaddr (ports are in
// network byte order); anything else is the zero AddrPort.
func rawToAddrPort(rsa *unix.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(p[0])<<8|uint16(p[1]))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		a := netip.AddrFrom16(sa.Addr).Unmap()
		if sa.Scope_id != 0 && a.Is6() {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		return netip.AddrPortFrom(a, uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}
