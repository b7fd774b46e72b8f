// Package net resolves the addresses tcp.Server and tcp.Client take, by
// the rules of the standard library's net.Listen and net.Dial
// (ResolveListen, Resolve, ParseAddr), into netip.AddrPorts, and names
// the I/O backend a build uses (Backend). The socket system calls under
// the TCP layer are internal (net/internal/socket), as muduo's
// SocketsOps is: a user reaches sockets through tcp's Server, Client and
// Conn.
//
// Importers usually rename it (mnet) to keep the standard library's net
// package at hand. Every function is safe from any goroutine.
package net

import (
	"context"
	"fmt"
	stdnet "net"
	"net/netip"
	"strconv"
)

// ParseAddr parses a numeric "host:port" ("127.0.0.1:80", "[::1]:80"); an
// empty host (":80") means the IPv4 wildcard address. It does no DNS.
func ParseAddr(hostport string) (netip.AddrPort, error) {
	host, port, err := stdnet.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: parse %q: %w", hostport, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: parse port of %q: %w", hostport, err)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)), nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: parse host of %q: %w", hostport, err)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// Resolve turns "host:port" into the address a client connects to,
// looking the host up in DNS when it is not numeric and the port up in the
// services database when it is a name ("127.0.0.1:http"). network is "tcp",
// "tcp4" or "tcp6" and restricts the family. The first matching address
// wins. Errors quote hostport and wrap the cause.
func Resolve(ctx context.Context, network, hostport string) (netip.AddrPort, error) {
	if ap, err := ParseAddr(hostport); err == nil {
		if !familyOK(network, ap.Addr()) {
			return netip.AddrPort{}, fmt.Errorf("net: resolve %q: not a %s address", hostport, network)
		}
		return ap, nil
	}
	host, port, err := stdnet.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: resolve %q: %w", hostport, err)
	}
	pn, err := lookupPort(ctx, port)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: resolve %q: %w", hostport, err)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), pn), nil // the local system, as net.Dial
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if !familyOK(network, a) {
			return netip.AddrPort{}, fmt.Errorf("net: resolve %q: not a %s address", hostport, network)
		}
		return netip.AddrPortFrom(a, pn), nil
	}
	ips, err := stdnet.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("net: resolve %q: %w", hostport, err)
	}
	for _, ip := range ips {
		ip = ip.Unmap()
		if familyOK(network, ip) {
			return netip.AddrPortFrom(ip, pn), nil
		}
	}
	return netip.AddrPort{}, fmt.Errorf("net: resolve %q: no %s address for %s", hostport, network, host)
}

func familyOK(network string, a netip.Addr) bool {
	switch network {
	case "tcp4":
		return a.Is4() || a.Is4In6()
	case "tcp6":
		return a.Is6() && !a.Is4In6()
	}
	return true
}
