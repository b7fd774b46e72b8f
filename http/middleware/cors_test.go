package middleware

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

func corsServer(t *testing.T, opts CORSOptions) (string, *atomic.Int32) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.WriteString("next")
	})
	return serve(t, CORS(opts)(h)), &calls
}

func preflightHeaders(origin, method, headers string) map[string]string {
	m := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
	if headers != "" {
		m["Access-Control-Request-Headers"] = headers
	}
	return m
}

func TestCORSPreflight(t *testing.T) {
	base, calls := corsServer(t, CORSOptions{
		AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"},
		AllowedMethods: []string{"GET", "PUT", "DELETE"},
		AllowedHeaders: []string{"Authorization", "X-Custom"},
		MaxAge:         600,
	})
	for _, tc := range []struct {
		name, origin, method, headers string
		allowed                       bool
	}{
		{"exact origin", "https://app.example.com", "PUT", "x-custom, authorization", true},
		{"origin case", "https://APP.example.com", "DELETE", "", true},
		{"wildcard subdomain", "https://a.b.example.org", "PUT", "", true},
		{"wildcard needs a subdomain", "https://.example.org", "PUT", "", false},
		{"other origin", "https://evil.example.net", "PUT", "", false},
		{"method not allowed", "https://app.example.com", "PATCH", "", false},
		{"method is case-sensitive", "https://app.example.com", "put", "", false},
		{"header not allowed", "https://app.example.com", "PUT", "x-other", false},
		{"safelisted header", "https://app.example.com", "PUT", "content-type", true},
	} {
		resp, body := do(t, "OPTIONS", base+"/r", preflightHeaders(tc.origin, tc.method, tc.headers))
		h := resp.Header
		if resp.StatusCode != 204 || body != "" {
			t.Errorf("%s: status %d body %q", tc.name, resp.StatusCode, body)
		}
		if v := h.Get("Vary"); !strings.Contains(v, "Origin") || !strings.Contains(v, "Access-Control-Request-Method") {
			t.Errorf("%s: Vary %q", tc.name, v)
		}
		got := h.Get("Access-Control-Allow-Origin")
		if !tc.allowed {
			if got != "" || h.Get("Access-Control-Allow-Methods") != "" {
				t.Errorf("%s: refused preflight carries %v", tc.name, h)
			}
			continue
		}
		if got != tc.origin || h.Get("Access-Control-Allow-Methods") != tc.method || h.Get("Access-Control-Max-Age") != "600" ||
			h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: %v", tc.name, h)
		}
		if tc.headers != "" && h.Get("Access-Control-Allow-Headers") != tc.headers {
			t.Errorf("%s: Allow-Headers %q", tc.name, h.Get("Access-Control-Allow-Headers"))
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("next called %d times for preflights", n)
	}
	// An OPTIONS without Access-Control-Request-Method is not a preflight.
	if resp, body := do(t, "OPTIONS", base+"/r", map[string]string{"Origin": "https://app.example.com"}); body != "next" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("plain OPTIONS: %q %v", body, resp.Header)
	}
}

func TestCORSActual(t *testing.T) {
	base, _ := corsServer(t, CORSOptions{
		AllowedOrigins: []string{"https://app.example.com"},
		ExposedHeaders: []string{"X-Total"},
	})
	resp, body := do(t, "GET", base+"/r", map[string]string{"Origin": "https://app.example.com"})
	if body != "next" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "X-Total" || resp.Header.Get("Vary") != "Origin" {
		t.Errorf("allowed: %v", resp.Header)
	}
	resp, body = do(t, "GET", base+"/r", map[string]string{"Origin": "https://evil.example.net"})
	if body != "next" || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "Origin" {
		t.Errorf("refused: %v", resp.Header)
	}
	resp, _ = do(t, "GET", base+"/r", nil)
	if resp.Header.Get("Vary") != "Origin" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no Origin: %v", resp.Header)
	}
}

func TestCORSWildcardAndCredentials(t *testing.T) {
	star, _ := corsServer(t, CORSOptions{AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"}})
	resp, _ := do(t, "OPTIONS", star+"/r", preflightHeaders("https://x.test", "GET", "x-anything"))
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Headers") != "x-anything" {
		t.Errorf("any origin: %v", resp.Header)
	}
	if resp, _ := do(t, "GET", star+"/r", map[string]string{"Origin": "https://x.test"}); resp.Header.Get("Vary") != "" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("any origin, actual: %v", resp.Header)
	}
	// With credentials the wildcard is never sent: the origin is echoed.
	cred, _ := corsServer(t, CORSOptions{AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"}, AllowCredentials: true, MaxAge: -1})
	resp, _ = do(t, "OPTIONS", cred+"/r", preflightHeaders("https://x.test", "GET", "x-anything"))
	h := resp.Header
	if h.Get("Access-Control-Allow-Origin") != "https://x.test" || h.Get("Access-Control-Allow-Credentials") != "true" ||
		h.Get("Access-Control-Allow-Headers") != "x-anything" || h.Get("Access-Control-Max-Age") != "0" {
		t.Errorf("credentials preflight: %v", h)
	}
	resp, _ = do(t, "GET", cred+"/r", map[string]string{"Origin": "https://x.test"})
	if h := resp.Header; h.Get("Access-Control-Allow-Origin") != "https://x.test" || h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Vary") != "Origin" {
		t.Errorf("credentials actual: %v", h)
	}
	fn, _ := corsServer(t, CORSOptions{AllowOriginFunc: func(o string) bool { return strings.HasSuffix(o, ".ok") }})
	if resp, _ := do(t, "GET", fn+"/r", map[string]string{"Origin": "https://a.ok"}); resp.Header.Get("Access-Control-Allow-Origin") != "https://a.ok" {
		t.Errorf("origin func: %v", resp.Header)
	}
	if resp, _ := do(t, "GET", fn+"/r", map[string]string{"Origin": "https://a.no"}); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("origin func refused: %v", resp.Header)
	}
}
