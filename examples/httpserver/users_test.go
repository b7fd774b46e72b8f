package main

import (
	"encoding/json"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"testing"
)

// TestUsersPathValues checks GET /users/{id} and
// GET /users/{id}/files/{path...} against a net/http ServeMux serving the
// same patterns: the same status, and the same decoded path values, for
// plain, escaped and odd paths (the 307 redirects for unclean paths
// included, not followed).
func TestUsersPathValues(t *testing.T) {
	base := start(t)
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id")})
	})
	mux.HandleFunc("GET /users/{id}/files/{path...}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "path": r.PathValue("path")})
	})
	ref := httptest.NewServer(mux)
	defer ref.Close()

	tr := &nethttp.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard, CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error {
		return nethttp.ErrUseLastResponse
	}}
	get := func(url string) (int, map[string]string, string) {
		t.Helper()
		resp, err := cl.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var m map[string]string
		if resp.StatusCode == 200 {
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("GET %s: Content-Type %q", url, ct)
			}
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("GET %s: body %q: %v", url, body, err)
			}
		}
		return resp.StatusCode, m, resp.Header.Get("Location")
	}
	for _, path := range []string{
		"/users/42",
		"/users/%C3%A9t%C3%A9",      // UTF-8, escaped
		"/users/a%2Fb",              // an escaped slash stays in the value
		"/users/%22quote%22%5C",     // JSON escaping
		"/users/42/files/a/b/c.txt", // the rest, slashes included
		"/users/42/files/",          // an empty rest
		"/users/42/files",           // no rest: nothing matches
		"/users/",                   // empty id: nothing matches
		"/users/42/",                // a trailing slash: not /users/{id}
		"/users/x/files/a%20b/%2e%2e/c",
		"/users//42",      // cleaned: a redirect
		"/users/42/../43", // cleaned: a redirect
	} {
		code, m, loc := get(base + path)
		wantCode, want, wantLoc := get(ref.URL + path)
		if code != wantCode || loc != wantLoc {
			t.Errorf("GET %s: %d Location %q, net/http %d Location %q", path, code, loc, wantCode, wantLoc)
			continue
		}
		if len(m) != len(want) {
			t.Errorf("GET %s: %v, net/http %v", path, m, want)
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("GET %s: %s = %q, net/http %q", path, k, m[k], v)
			}
		}
	}
}
