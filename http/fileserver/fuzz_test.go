package fileserver

import (
	"bufio"
	"bytes"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawExchange sends one GET with the raw target and Range value and reads
// the response; ok false when the server closed without one.
func rawExchange(t testing.TB, addr, target, rng string) (exchange, bool) {
	c, err := net.DialTimeout("tcp", addr, guard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(guard))
	req := "GET " + target + " HTTP/1.1\r\nHost: x\r\n"
	if rng != "" {
		req += "Range: " + rng + "\r\n"
	}
	if _, err := io.WriteString(c, req+"Connection: close\r\n\r\n"); err != nil {
		return exchange{}, false
	}
	resp, err := nethttp.ReadResponse(bufio.NewReader(c), &nethttp.Request{Method: "GET"})
	if err != nil {
		return exchange{}, false
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%q %q: body: %v", target, rng, err)
	}
	return exchange{resp.StatusCode, resp.Header, body}, true
}

// FuzzPathRange fuzzes the request path and the Range header against a
// small tree with a link out of the root: this package must never answer
// with a byte from outside, never fail to answer, and, wherever net/http's
// FileServer (over the same tree) parses the request too and stays
// inside, answer as it does.
func FuzzPathRange(f *testing.F) {
	for _, s := range [][2]string{
		{"/a.txt", "bytes=0-9"}, {"/a.txt", "bytes=-5,0-0"}, {"/dir/", ""}, {"/dir", "bytes=1-"},
		{"/sp%20ace.txt", "bytes=0-1,3-4"}, {"/%2e%2e/outside/secret.txt", ""}, {"/out", "bytes=0-"},
		{"/dir/b.bin", "bytes=990-2000"}, {"/dir/index.html", ""}, {"/a.txt", "bytes=500-"}, {"/a.txt", "bytes=x"},
	} {
		f.Add(s[0], s[1])
	}
	dir := f.TempDir()
	root := filepath.Join(dir, "root")
	files := map[string]string{
		"a.txt":          strings.Repeat("abcdefghij", 10),
		"dir/index.html": "<p>index</p>",
		"dir/b.bin":      strings.Repeat("\x00\x01\x02\xff", 250),
		"sp ace.txt":     "spaced",
		"empty":          "",
	}
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	_ = os.MkdirAll(filepath.Join(dir, "outside"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "outside", "secret.txt"), []byte("SECRET"), 0o644)
	if err := os.Symlink("../outside/secret.txt", filepath.Join(root, "out")); err != nil {
		f.Fatal(err)
	}
	h, err := New(root, WithListing(true), WithPrecompressed(false))
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	ours := serve(f, h)
	std := httptest.NewServer(withETags(root))
	defer std.Close()
	oursAddr, theirsAddr := strings.TrimPrefix(ours, "http://"), strings.TrimPrefix(std.URL, "http://")
	f.Fuzz(func(t *testing.T, target, rng string) {
		if target == "" || strings.ContainsAny(target+rng, "\r\n") || len(target) > 2000 || len(rng) > 2000 {
			t.Skip()
		}
		a, ok := rawExchange(t, oursAddr, target, rng)
		if !ok {
			t.Fatalf("%q %q: no response", target, rng)
		}
		if bytes.Contains(a.body, []byte("SECRET")) {
			t.Fatalf("%q %q: served a file outside the root", target, rng)
		}
		if a.status >= 500 {
			t.Fatalf("%q %q: %d %q", target, rng, a.status, clip(a.body))
		}
		b, ok := rawExchange(t, theirsAddr, target, rng)
		if !ok || b.status == 400 || a.status == 400 || leavesRoot(root, target) ||
			strings.ContainsAny(target, "\\\x00") || b.status >= 500 {
			return // refused by one of the parsers, or net/http left the root
		}
		if d := diff("GET", a, b); d != "" {
			t.Fatalf("%q %q: %s", target, rng, d)
		}
	})
}

// leavesRoot reports whether target's path resolves, through symbolic
// links, to outside root: net/http serves those, this package does not.
func leavesRoot(root, target string) bool {
	p, _, _ := strings.Cut(target, "?")
	p, err := url.PathUnescape(p)
	if err != nil {
		return false
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	for p != "/" && p != "." {
		resolved, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(path.Clean("/"+p))))
		if err == nil {
			return resolved != realRoot && !strings.HasPrefix(resolved, realRoot+string(filepath.Separator))
		}
		p = path.Dir(path.Clean("/" + p)) // a prefix may be a link out
	}
	return false
}
