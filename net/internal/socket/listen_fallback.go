package socket

import (
	"errors"
	"net/netip"

	"syscall"
)

// isDualStack reports whether ap asks for a dual-stack listener: the IPv6
// wildcard address without IPv6Only.
func isDualStack(ap netip.AddrPort, cfg ListenConfig) bool {
	return ap.Addr() == netip.IPv6Unspecified() && !cfg.IPv6Only
}

// noIPv6 reports whether err says the system has no usable IPv6 (the
// family is not compiled in, or IPv6 is disabled so [::] can not be
// bound): then a dual-stack listener falls back to IPv4, as Go's net does.
func noIPv6(err error) bool {
	return errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT) ||
		errors.Is(err, syscall.EADDRNOTAVAIL)
}
