package middleware

import (
	"net/netip"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// RealIP sets the request's remote address (http.Request.SetRemoteAddr) to
// the client's, as reported by the proxies in front of the server, for the
// handlers, logs and limits after it. It trusts only proxies whose
// addresses are in trusted (say 10.0.0.0/8 for the load balancers, or
// 127.0.0.1/32 for a local reverse proxy):
//
//   - A request whose connection does not come from a trusted proxy is
//     left alone: anything it says about itself is the client's word.
//   - Otherwise the forwarding chain is read from the Forwarded field
//     (RFC 7239, its for= parameters) or, when there is none, from
//     X-Forwarded-For, every field line in order, and walked from the right
//     (the hop nearest to the server) to the left, skipping trusted
//     proxies: the first address that is not a trusted proxy is the
//     client. Addresses to its left were written by the client and can not
//     be trusted ("rightmost untrusted").
//   - A chain of trusted proxies only yields its leftmost address. An
//     entry that is not an address ("unknown", an obfuscated identifier,
//     garbage) ends the walk with the address left as it was.
//
// The port is the one Forwarded reports, else 0 (X-Forwarded-For carries
// none). http.Request.ConnRemoteAddr still gives the proxy's address.
func RealIP(trusted ...netip.Prefix) func(http.Handler) http.Handler {
	prefixes := make([]netip.Prefix, 0, len(trusted))
	for _, p := range trusted {
		prefixes = append(prefixes, p.Masked())
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			if peer := r.ConnRemoteAddr(); peer.IsValid() && isTrusted(peer.Addr()) {
				if a, ok := forwardedClient(r, isTrusted); ok {
					r.SetRemoteAddr(a)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// forwardedClient walks the forwarding chain from the right.
func forwardedClient(r *http.Request, isTrusted func(netip.Addr) bool) (netip.AddrPort, bool) {
	name, forwarded := "Forwarded", true
	if r.HeaderIndex(name, 0) < 0 {
		name, forwarded = "X-Forwarded-For", false
	}
	// The field lines, last first; within one, the elements last first.
	var lines [][]byte
	for i := r.HeaderIndex(name, 0); i >= 0; i = r.HeaderIndex(name, i+1) {
		_, v := r.HeaderAt(i)
		lines = append(lines, v)
	}
	var last netip.AddrPort
	found := false
	for li := len(lines) - 1; li >= 0; li-- {
		elems := strings.Split(string(lines[li]), ",")
		for ei := len(elems) - 1; ei >= 0; ei-- {
			e := strings.TrimSpace(elems[ei])
			if e == "" {
				continue
			}
			var a netip.AddrPort
			var ok bool
			if forwarded {
				a, ok = forwardedFor(e)
			} else {
				a, ok = parseNode(e)
			}
			if !ok {
				return last, false
			}
			last, found = a, true
			if !isTrusted(a.Addr()) {
				return a, true
			}
		}
	}
	return last, found
}

// forwardedFor returns the address of a Forwarded element's for=
// parameter (RFC 7239 section 4: for=192.0.2.60;proto=http;by=203.0.113.43).
func forwardedFor(elem string) (netip.AddrPort, bool) {
	for _, pair := range strings.Split(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(k, "for") {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\`, "")
		}
		return parseNode(v)
	}
	return netip.AddrPort{}, false
}

// parseNode parses a node: IPv4, IPv4:port, bare IPv6, [IPv6] or
// [IPv6]:port. Obfuscated identifiers and "unknown" are not addresses.
func parseNode(s string) (netip.AddrPort, bool) {
	// A zone (fe80::1%eth0) names an interface on the proxy's host, not
	// a client; an address carrying one is not taken.
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Addr().Zone() != "" {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.AddrPortFrom(a.Unmap(), 0), true
	}
	return netip.AddrPort{}, false
}
