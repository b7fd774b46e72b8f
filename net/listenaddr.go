package net

import (
	"context"
	"fmt"
	stdnet "net"
	"net/netip"
)

// ResolveListen returns the address a listener for hostport binds, by the
// rules of the standard library's net.Listen("tcp", hostport):
//
//   - the port is a number or a service name ("http"); empty means 0, a
//     port the kernel picks (and "" is ":0");
//   - an empty host (":8080") or "[::]" is every local address, IPv4 and
//     IPv6: the result is [::]:port, which Listen binds as a dual-stack
//     socket (IPV6_V6ONLY off) and, where the system has no IPv6, as
//     0.0.0.0:port instead;
//   - a host name is looked up and the first IPv4 address wins, else the
//     first address ("localhost" listens on 127.0.0.1 where the resolver
//     knows it, as net.Listen does);
//   - an IPv4-mapped IPv6 literal is the IPv4 address.
//
// One deliberate difference: "0.0.0.0:port" is the IPv4 wildcard only, as
// net.Listen("tcp4", ...), where net.Listen("tcp", ...) would listen
// dual-stack: a listener has no network argument here, so the literal says
// which families are wanted.
//
// Errors quote hostport and wrap the cause (a *net.DNSError,
// *net.AddrError, ...).
func ResolveListen(ctx context.Context, hostport string) (netip.AddrPort, error) {
	if hostport == "" {
		hostport = ":" // as net.Listen: every address, a port the kernel picks
	}
	host, port, err := stdnet.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: listen address %q: %w", hostport, err)
	}
	pn, err := lookupPort(ctx, port)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: listen address %q: %w", hostport, err)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), pn), nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Is4In6() {
			a = a.Unmap()
		}
		return netip.AddrPortFrom(a, pn), nil
	}
	ips, err := stdnet.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: listen address %q: %w", hostport, err)
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("net: listen address %q: no address for %s", hostport, host)
	}
	pick := ips[0].Unmap()
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			pick = ip
			break
		}
	}
	return netip.AddrPortFrom(pick, pn), nil
}

// lookupPort turns a port number or service name into a port, as
// net.LookupPort does ("" is 0; numbers need no lookup).
func lookupPort(ctx context.Context, port string) (uint16, error) {
	if port == "" {
		return 0, nil
	}
	n, err := stdnet.DefaultResolver.LookupPort(ctx, "tcp", port)
	if err != nil {
		return 0, err
	}
	return uint16(n), nil
}
