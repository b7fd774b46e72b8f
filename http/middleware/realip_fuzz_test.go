package middleware

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/internal/parsehook"
)

// FuzzForwardedClient: whatever the proxies' fields say, reading the chain
// does not panic, and an address it settles on is a trusted proxy only
// when every hop was one.
func FuzzForwardedClient(f *testing.F) {
	for _, s := range []string{
		"203.0.113.7", "6.6.6.6, 203.0.113.7, 10.1.2.3", "2001:db8::1", "unknown", "",
		`for=198.51.100.17;proto=https, for="[2001:db8:cafe::17]:4711"`, "for=_hidden, for=10.0.0.1",
		`for="\"[::1]\""`, "for=;for=,,,", "[::ffff:10.0.0.1]:80",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	trusted := netip.MustParsePrefix("10.0.0.0/8")
	isTrusted := func(a netip.Addr) bool { return trusted.Contains(a.Unmap()) }
	f.Fuzz(func(t *testing.T, value string, forwarded bool) {
		if strings.ContainsAny(value, "\r\n") {
			return
		}
		name := "X-Forwarded-For"
		if forwarded {
			name = "Forwarded"
		}
		parsed, err := parsehook.ParseRequest([]byte("GET / HTTP/1.1\r\nHost: x\r\n" + name + ": " + value + "\r\n\r\n"))
		if err != nil || parsed == nil {
			return // the server would have refused the request
		}
		req := parsed.(*http.Request)
		a, ok := forwardedClient(req, isTrusted)
		if !ok {
			return
		}
		if !a.IsValid() || a.Addr().Zone() != "" {
			t.Fatalf("%q: address %v", value, a)
		}
		if isTrusted(a.Addr()) {
			// Only when every hop named was a trusted proxy: then the
			// leftmost is reported, so no untrusted address may follow.
			for _, node := range strings.Split(value, ",") {
				if n, ok := parseNode(strings.TrimSpace(node)); ok && !forwarded && !isTrusted(n.Addr()) {
					t.Fatalf("%q: trusted %v reported past untrusted %v", value, a, n)
				}
			}
		}
	})
}
