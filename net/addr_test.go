package net

import (
	"context"
	stdnet "net"
	"net/netip"
	"testing"
	"time"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		want netip.AddrPort
	}{
		{"127.0.0.1:80", netip.MustParseAddrPort("127.0.0.1:80")},
		{"0.0.0.0:0", netip.MustParseAddrPort("0.0.0.0:0")},
		{"255.255.255.255:65535", netip.MustParseAddrPort("255.255.255.255:65535")},
		{"[::1]:80", netip.MustParseAddrPort("[::1]:80")},
		{"[::]:8080", netip.MustParseAddrPort("[::]:8080")},
		{"[2001:db8::1]:443", netip.MustParseAddrPort("[2001:db8::1]:443")},
		{"[fe80::1%eth0]:22", netip.MustParseAddrPort("[fe80::1%eth0]:22")},
		{"[::ffff:10.0.0.1]:1", netip.MustParseAddrPort("[::ffff:10.0.0.1]:1")},
		{":80", netip.AddrPortFrom(netip.IPv4Unspecified(), 80)},
	}
	for _, tt := range tests {
		got, err := ParseAddr(tt.in)
		if err != nil {
			t.Errorf("ParseAddr(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseAddr(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	got, _ := ParseAddr(":80")
	if !got.Addr().Is4() || !got.Addr().IsUnspecified() {
		t.Errorf(`ParseAddr(":80") = %v, want the IPv4 wildcard`, got)
	}
	got, _ = ParseAddr("[::1]:80")
	if !got.Addr().Is6() || got.Addr() != netip.IPv6Loopback() || got.Port() != 80 {
		t.Errorf(`ParseAddr("[::1]:80") = %v`, got)
	}
}

func TestParseAddrErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"127.0.0.1",      // no port
		"::1:80",         // IPv6 without brackets
		"localhost:80",   // no DNS
		"127.0.0.1:http", // no service names
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:",
		"1.2.3:80",
		"[::1]",
		"[::1:80",
		"256.0.0.1:80",
	} {
		if ap, err := ParseAddr(in); err == nil {
			t.Errorf("ParseAddr(%q) = %v, want an error", in, ap)
		}
	}
}

func TestResolveNumeric(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		network, in string
		want        string // "" = error
	}{
		{"tcp", "127.0.0.1:80", "127.0.0.1:80"},
		{"tcp4", "127.0.0.1:80", "127.0.0.1:80"},
		{"tcp6", "127.0.0.1:80", ""},
		{"tcp", "[::1]:80", "[::1]:80"},
		{"tcp6", "[::1]:80", "[::1]:80"},
		{"tcp4", "[::1]:80", ""},
		{"tcp", ":9", "0.0.0.0:9"},
		{"tcp6", "[2001:db8::5]:7", "[2001:db8::5]:7"},
	}
	for _, tt := range tests {
		got, err := Resolve(ctx, tt.network, tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Resolve(%s, %q) = %v, want an error", tt.network, tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%s, %q): %v", tt.network, tt.in, err)
			continue
		}
		if got != netip.MustParseAddrPort(tt.want) {
			t.Errorf("Resolve(%s, %q) = %v, want %s", tt.network, tt.in, got, tt.want)
		}
	}
}

func TestResolveNamedPort(t *testing.T) {
	got, err := Resolve(context.Background(), "tcp", "127.0.0.1:http")
	if err != nil {
		t.Fatal(err)
	}
	if got != netip.MustParseAddrPort("127.0.0.1:80") {
		t.Fatalf("got %v", got)
	}
	if _, err := Resolve(context.Background(), "tcp", "127.0.0.1:no-such-service-xyz"); err == nil {
		t.Fatal("unknown service resolved")
	}
	if _, err := Resolve(context.Background(), "tcp", "no port"); err == nil {
		t.Fatal("address without a port resolved")
	}
}

func TestResolveLocalhost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// What the system's resolver says localhost is decides what to expect.
	ips, err := stdnet.DefaultResolver.LookupNetIP(ctx, "ip", "localhost")
	if err != nil {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	var has4, has6 bool
	for _, ip := range ips {
		ip = ip.Unmap()
		has4 = has4 || ip.Is4()
		has6 = has6 || ip.Is6()
	}

	got, err := Resolve(ctx, "tcp", "localhost:80")
	if err != nil {
		t.Fatalf("Resolve(tcp, localhost:80): %v", err)
	}
	if !got.Addr().IsLoopback() || got.Port() != 80 {
		t.Fatalf("Resolve(tcp, localhost:80) = %v", got)
	}

	got, err = Resolve(ctx, "tcp4", "localhost:80")
	switch {
	case has4 && err != nil:
		t.Errorf("Resolve(tcp4, localhost:80): %v", err)
	case has4 && (!got.Addr().Is4() || !got.Addr().IsLoopback()):
		t.Errorf("Resolve(tcp4, localhost:80) = %v, want an IPv4 loopback", got)
	case !has4 && err == nil:
		t.Errorf("Resolve(tcp4, localhost:80) = %v without an IPv4 localhost", got)
	}

	got, err = Resolve(ctx, "tcp6", "localhost:80")
	switch {
	case has6 && err != nil:
		t.Errorf("Resolve(tcp6, localhost:80): %v", err)
	case has6 && (!got.Addr().Is6() || got.Addr().Is4In6() || !got.Addr().IsLoopback()):
		t.Errorf("Resolve(tcp6, localhost:80) = %v, want an IPv6 loopback", got)
	case !has6 && err == nil:
		t.Errorf("Resolve(tcp6, localhost:80) = %v, but localhost has no IPv6 address here", got)
	}
}
