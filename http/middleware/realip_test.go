package middleware

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

var echoRemote = http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
	_, _ = w.WriteString(r.RemoteAddr().String() + " " + r.ConnRemoteAddr().Addr().String())
})

func TestRealIP(t *testing.T) {
	trusted := serve(t, RealIP(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"))(echoRemote))
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   string // "" : the connection's own address
	}{
		{"no field", nil, ""},
		{"one hop", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7:0"},
		{"rightmost untrusted", map[string]string{"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.1.2.3"}, "203.0.113.7:0"},
		{"all trusted: leftmost", map[string]string{"X-Forwarded-For": "10.0.0.9, 10.1.2.3"}, "10.0.0.9:0"},
		{"garbage stops", map[string]string{"X-Forwarded-For": "203.0.113.7, nonsense"}, ""},
		{"ipv6", map[string]string{"X-Forwarded-For": "2001:db8::1"}, "[2001:db8::1]:0"},
		{"forwarded", map[string]string{"Forwarded": `for=198.51.100.17;proto=https, for="[2001:db8:cafe::17]:4711"`}, "[2001:db8:cafe::17]:4711"},
		{"forwarded wins", map[string]string{"Forwarded": "for=198.51.100.17", "X-Forwarded-For": "6.6.6.6"}, "198.51.100.17:0"},
		{"forwarded trusted hop", map[string]string{"Forwarded": "for=198.51.100.17:80, for=10.0.0.1;by=10.0.0.2"}, "198.51.100.17:80"},
		{"forwarded unknown", map[string]string{"Forwarded": "for=unknown"}, ""},
		{"forwarded obfuscated", map[string]string{"Forwarded": "for=_hidden, for=10.0.0.1"}, ""},
	} {
		_, body := do(t, "GET", trusted+"/", tc.header)
		got, conn, _ := strings.Cut(body, " ")
		if conn != "127.0.0.1" {
			t.Errorf("%s: ConnRemoteAddr %q", tc.name, conn)
		}
		if tc.want == "" {
			if !strings.HasPrefix(got, "127.0.0.1:") {
				t.Errorf("%s: remote %q, want the connection's", tc.name, got)
			}
		} else if got != tc.want {
			t.Errorf("%s: remote %q, want %q", tc.name, got, tc.want)
		}
	}
	// A peer that is not a trusted proxy is not believed.
	untrusted := serve(t, RealIP(netip.MustParsePrefix("10.0.0.0/8"))(echoRemote))
	if _, body := do(t, "GET", untrusted+"/", map[string]string{"X-Forwarded-For": "203.0.113.7"}); !strings.HasPrefix(body, "127.0.0.1:") {
		t.Errorf("untrusted peer believed: %q", body)
	}
}

// TestRealIPMultipleFields: X-Forwarded-For lines are one list in order.
func TestRealIPMultipleFields(t *testing.T) {
	base := serve(t, RealIP(netip.MustParsePrefix("127.0.0.0/8"))(echoRemote))
	c := dialRaw(t, base)
	_, body, err := c.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 6.6.6.6, 127.0.0.5\r\n\r\n")
	if err != nil || !strings.HasPrefix(body, "6.6.6.6:0 ") {
		t.Fatalf("%q %v", body, err)
	}
}
