package fileserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// serve starts a muduo-go server with h and returns its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := http.NewServer(h, http.WithLogger(quietLogger))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + srv.Addr().String()
}

func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openDir(t testing.TB, dir string, opts ...Option) *Handler {
	t.Helper()
	h, err := New(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func expect(t testing.TB, e exchange, status int, body string) {
	t.Helper()
	if e.status != status || string(e.body) != body {
		t.Fatalf("got %d %q, want %d %q", e.status, clip(e.body), status, body)
	}
}

func TestListingMethodsPrefix(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a/one.txt": "1", "b/index.html": "<p>b</p>", "x.txt": "hello"})
	base := serve(t, openDir(t, dir, WithPrefix("/static/")))
	expect(t, do(t, base, "GET", "/static/x.txt", ""), 200, "hello")
	expect(t, do(t, base, "GET", "/static/a/", ""), 403, "403 Forbidden\n")
	expect(t, do(t, base, "GET", "/static/b/", ""), 200, "<p>b</p>")
	expect(t, do(t, base, "GET", "/x.txt", ""), 404, "404 page not found\n")
	if e := do(t, base, "GET", "/static/%zz", ""); e.status != 400 {
		t.Fatalf("bad escape: %d", e.status)
	}
	e := do(t, base, "POST", "/static/x.txt", "")
	if e.status != 405 || e.header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d, Allow %q", e.status, e.header.Get("Allow"))
	}
	e = do(t, base, "GET", "/static/b", "")
	if e.status != 301 || e.header.Get("Location") != "b/" {
		t.Fatalf("directory without slash: %d %q", e.status, e.header.Get("Location"))
	}
	listed := serve(t, openDir(t, dir, WithListing(true)))
	expect(t, do(t, listed, "GET", "/a/", ""), 200,
		"<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n<a href=\"one.txt\">one.txt</a>\n</pre>\n")
}

// TestPrecompressed: the sibling the client's Accept-Encoding prefers is
// sent with its encoding, the original's Content-Type and its own ETag;
// every answer for such a file varies by Accept-Encoding.
func TestPrecompressed(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"app.js": "plain js", "app.js.gz": "GZ", "app.js.br": "BR", "app.js.zst": "ZST",
		"style.css": "plain css", "style.css.gz": "GZCSS", "solo.txt": "no siblings",
	})
	base := serve(t, openDir(t, dir))
	cases := []struct{ path, ae, body, enc string }{
		{"/app.js", "", "plain js", ""},
		{"/app.js", "gzip", "GZ", "gzip"},
		{"/app.js", "gzip, deflate, br, zstd", "BR", "br"},
		{"/app.js", "gzip;q=1, br;q=0.5, zstd;q=0.8", "GZ", "gzip"},
		{"/app.js", "br;q=0, *", "ZST", "zstd"},
		{"/app.js", "*;q=0", "plain js", ""},
		{"/app.js", "identity", "plain js", ""},
		{"/app.js", "x-gzip", "GZ", "gzip"},
		{"/style.css", "br, zstd", "plain css", ""},
		{"/style.css", "br, GZIP", "GZCSS", "gzip"},
	}
	etags := map[string]string{}
	for _, c := range cases {
		hdr := ""
		if c.ae != "" {
			hdr = "Accept-Encoding: " + c.ae
		}
		e := do(t, base, "GET", c.path, hdr)
		expect(t, e, 200, c.body)
		if got := e.header.Get("Content-Encoding"); got != c.enc {
			t.Fatalf("%s %q: Content-Encoding %q, want %q", c.path, c.ae, got, c.enc)
		}
		if e.header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s %q: Vary %q", c.path, c.ae, e.header.Get("Vary"))
		}
		if ct := e.header.Get("Content-Type"); !strings.Contains(ct, "javascript") && !strings.HasPrefix(ct, "text/css") {
			t.Fatalf("%s: Content-Type %q, want the original's", c.path, ct)
		}
		if old, ok := etags[c.body]; ok && old != e.header.Get("Etag") {
			t.Fatalf("ETag of %q changed", c.body)
		}
		etags[c.body] = e.header.Get("Etag")
	}
	if etags["GZ"] == etags["plain js"] {
		t.Fatal("the gzip sibling has the original's ETag")
	}
	e := do(t, base, "GET", "/solo.txt", "Accept-Encoding: gzip")
	if e.header.Get("Vary") != "" || e.header.Get("Content-Encoding") != "" {
		t.Fatalf("a file without siblings: Vary %q, Content-Encoding %q", e.header.Get("Vary"), e.header.Get("Content-Encoding"))
	}
	e = do(t, base, "GET", "/app.js", "Accept-Encoding: gzip\nIf-None-Match: "+etags["GZ"])
	if e.status != 304 || e.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("conditional on the sibling: %d, Vary %q", e.status, e.header.Get("Vary"))
	}
	e = do(t, base, "GET", "/app.js", "Accept-Encoding: br\nRange: bytes=1-1")
	if e.status != 206 || string(e.body) != "R" || e.header.Get("Content-Range") != "bytes 1-1/2" {
		t.Fatalf("range of the sibling: %d %q %q", e.status, e.body, e.header.Get("Content-Range"))
	}
}

// TestCacheSeesChanges: a cached file rewritten in place, replaced by a
// rename or removed is served as it now is (validity 0: checked on every
// request), and the cache stays within its bound.
func TestCacheSeesChanges(t *testing.T) {
	dir := writeFiles(t, map[string]string{"f.txt": "version one"})
	h := openDir(t, dir, WithCache(4, 0))
	base := serve(t, h)
	p := filepath.Join(dir, "f.txt")
	expect(t, do(t, base, "GET", "/f.txt", ""), 200, "version one")
	if err := os.WriteFile(p, []byte("version TWO"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	_ = os.Chtimes(p, later, later) // same size: the time tells
	expect(t, do(t, base, "GET", "/f.txt", ""), 200, "version TWO")
	tmp := filepath.Join(dir, "new")
	if err := os.WriteFile(tmp, []byte("version 3"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	expect(t, do(t, base, "GET", "/f.txt", ""), 200, "version 3")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	expect(t, do(t, base, "GET", "/f.txt", ""), 404, "404 page not found\n")
	for i := range 20 {
		name := filepath.Join(dir, "n"+string(rune('a'+i)))
		_ = os.WriteFile(name, []byte{byte(i)}, 0o644)
		expect(t, do(t, base, "GET", "/n"+string(rune('a'+i)), ""), 200, string([]byte{byte(i)}))
	}
	if n := h.cache.openFiles(); n > 4 {
		t.Fatalf("%d files cached, bound 4", n)
	}
}

// TestFSFiles: an fs.FS without descriptors is served by copying, with
// ranges, multipart, sniffing and its index.html.
func TestFSFiles(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10000)
	fsys := fstest.MapFS{
		"index.html":   {Data: []byte("<p>root</p>"), ModTime: time.Unix(1700000000, 0)},
		"big.dat":      {Data: data, ModTime: time.Unix(1700000000, 0)},
		"noext":        {Data: []byte("<html><body>x</body></html>")},
		"sub/a.css":    {Data: []byte("body{}")},
		"sub/x.css.gz": {Data: []byte("GZ")},
	}
	base := serve(t, NewFS(fsys))
	expect(t, do(t, base, "GET", "/", ""), 200, "<p>root</p>")
	expect(t, do(t, base, "GET", "/big.dat", ""), 200, string(data))
	e := do(t, base, "GET", "/big.dat", "Range: bytes=99990-")
	if e.status != 206 || string(e.body) != "0123456789" {
		t.Fatalf("range: %d %q", e.status, e.body)
	}
	e = do(t, base, "GET", "/big.dat", "Range: bytes=0-1,-2")
	if ps, err := parts(e.header.Get("Content-Type"), e.body); err != nil || len(ps) != 2 || !strings.HasSuffix(ps[0], "|01") {
		t.Fatalf("multipart from an fs.FS: %v %q", err, ps)
	}
	if e = do(t, base, "GET", "/noext", ""); e.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("sniffed %q", e.header.Get("Content-Type"))
	}
	if e = do(t, base, "HEAD", "/big.dat", ""); e.header.Get("Content-Length") != "100000" || len(e.body) != 0 {
		t.Fatalf("HEAD: %q", e.header.Get("Content-Length"))
	}
	expect(t, do(t, base, "GET", "/sub/", ""), 403, "403 Forbidden\n")
	expect(t, do(t, base, "GET", "/sub/../../x", ""), 404, "404 page not found\n")
}
