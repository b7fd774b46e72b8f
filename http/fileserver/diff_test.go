package fileserver

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// The differential test: one generated tree served by this package and by
// net/http's FileServer, the same generated requests to both, and the
// status, body and the headers that matter compared.

// treeFile is one regular file of the generated tree.
type treeFile struct {
	name string // slash path from the root
	data []byte
}

// genTree writes the test tree under dir/root and a file outside the root
// (dir/outside/secret.txt) that symbolic links point at. It returns the
// root, the regular files (links to files included) and every path worth
// requesting (files, directories, links).
func genTree(t testing.TB, dir string) (root string, files []treeFile, paths []string) {
	t.Helper()
	root = filepath.Join(dir, "root")
	outside := filepath.Join(dir, "outside")
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) []byte {
		const words = "lorem ipsum dolor sit amet <b>x</b> & muduo \n"
		b := make([]byte, n)
		for i := range b {
			b[i] = words[rng.IntN(len(words))]
		}
		return b
	}
	binary := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	mtime := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func(name string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mtime = mtime.Add(time.Hour + 123456789*time.Nanosecond) // sub-second parts too
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		files = append(files, treeFile{name, data})
	}
	for _, n := range []int{0, 1, 2, 100, 511, 512, 513, 4096, 70000} {
		write(fmt.Sprintf("text-%d.txt", n), text(n))
		write(fmt.Sprintf("bin/blob-%d", n), binary(n))
	}
	write("sniffed-text", text(2000))
	write("sniffed.html-less", []byte("<!DOCTYPE html><html><body>hi</body></html>"))
	write("big.bin", binary(300000))
	write("with space.txt", text(300))
	write("ünïcødé ファイル.txt", text(1000))
	write("日本語/索引.html", []byte("<p>日本語</p>"))
	write("a&b'c.css", text(50))
	write("q?mark#hash.txt", text(70))
	write("pct%41.txt", text(20))
	write("index.html", []byte("<!doctype html><title>root</title>"))
	write("dir/index.html", []byte("<p>dir index</p>"))
	write("dir/sub/deep.js", text(5000))
	write("dir/sub/deeper/leaf.json", []byte(`{"a":1}`))
	write("nolist/one.txt", text(10))
	write("nolist/two/three.txt", text(10))
	if err := os.MkdirAll(filepath.Join(root, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("TOP SECRET outside the root"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"link-in.txt":     "text-100.txt",
		"dir/up-link.txt": "../with space.txt",
		"linkdir":         "dir",
		"link-out.txt":    "../outside/secret.txt",
		"link-abs.txt":    filepath.Join(outside, "secret.txt"),
		"link-outdir":     "../outside",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if f.name == "text-100.txt" {
			files = append(files, treeFile{"link-in.txt", f.data})
		}
		if f.name == "with space.txt" {
			files = append(files, treeFile{"dir/up-link.txt", f.data})
		}
	}
	// Directory times are fixed last, after their contents changed them.
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chtimes(p, mtime, mtime)
		}
		return nil
	})
	for _, f := range files {
		paths = append(paths, "/"+f.name)
	}
	paths = append(paths, "/", "/dir", "/dir/", "/dir/sub", "/dir/sub/", "/dir/sub/deeper/", "/empty dir", "/empty dir/",
		"/nolist/", "/nolist/two", "/日本語/", "/linkdir/", "/linkdir", "/linkdir/sub/deep.js", "/bin/")
	return root, files, paths
}

// escapePath percent-encodes p as a client would (spaces, UTF-8, '?', '#').
func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// hostilePaths are sent raw: traversal in every spelling, NUL, backslashes,
// links out of the root.
var hostilePaths = []string{
	"/../outside/secret.txt", "/dir/../../outside/secret.txt", "/%2e%2e/outside/secret.txt",
	"/%2E%2E/%2e%2e/outside/secret.txt", "/dir/%2e%2e/%2e%2e/outside/secret.txt", "/..%2foutside%2fsecret.txt",
	"/dir%2f..%2f..%2foutside%2fsecret.txt", "/./dir/./index.html", "/dir//sub///deep.js", "/dir/sub/../../text-1.txt",
	"/%00", "/text-1.txt%00", "/text-1.txt%00.html", "/dir%5c..%5ctext-1.txt", "/%5c..%5coutside%5csecret.txt",
	"/nonexistent", "/dir/nonexistent/", "/text-1.txt/", "/text-1.txt/x", "/index.html", "/dir/index.html",
	"/dir/index.html?a=1&b=2", "/dir?x=y", "/text-1.txt?x=y", "/dir/sub/deep.js/", "/text-100.txt/..", "/dir/.",
	"/dir/..", "//text-1.txt", "/%74ext-1.txt",
}

// escapingPaths are the ones net/http serves from outside the root
// (http.Dir follows links out): this package must answer 404 instead.
var escapingPaths = []string{"/link-out.txt", "/link-abs.txt", "/link-outdir/secret.txt", "/link-outdir/", "/link-outdir"}

// genHeaders returns the header sets tried on a file of the given size,
// ETag and modification time: every conditional header, alone and
// combined, and Range in its valid, overlapping, suffix, multiple,
// unsatisfiable and malformed forms.
func genHeaders(rng *rand.Rand, etag string, mod time.Time, size int64) [][2]string {
	date := func(d time.Duration) string { return mod.Add(d).UTC().Format(nethttp.TimeFormat) }
	weak := "W/" + etag
	ranges := []string{
		"bytes=0-0", "bytes=0-", "bytes=1-1", "bytes=-1", "bytes=-0", "bytes=-10", "bytes=0-9999999",
		fmt.Sprintf("bytes=%d-", size), fmt.Sprintf("bytes=%d-", size-1), fmt.Sprintf("bytes=-%d", size+5),
		"bytes=0-10,5-15", "bytes=0-1,3-4,-2", "bytes=1-2,1-2", "bytes=0-,0-", "bytes=2-1", "bytes=a-b",
		"items=0-1", "bytes=", "bytes=-", "bytes= 1 - 2 ", "bytes=1-2,", "bytes=,1-2", "bytes=999999999-",
		"bytes=5-10,999999-", "bytes=-5,0-0", "bytes=0-0,2-2,4-4,6-6", "bytes=1--2", "bytes=--1",
	}
	conds := [][2]string{
		{"If-None-Match", etag}, {"If-None-Match", weak}, {"If-None-Match", "*"}, {"If-None-Match", `"other"`},
		{"If-None-Match", `"a", ` + etag}, {"If-None-Match", `"a",,"b"`}, {"If-None-Match", "garbage"},
		{"If-Match", etag}, {"If-Match", weak}, {"If-Match", "*"}, {"If-Match", `"other"`}, {"If-Match", `"x", ` + etag},
		{"If-Modified-Since", date(0)}, {"If-Modified-Since", date(-time.Hour)}, {"If-Modified-Since", date(time.Hour)},
		{"If-Modified-Since", "yesterday"}, {"If-Unmodified-Since", date(0)}, {"If-Unmodified-Since", date(-time.Hour)},
		{"If-Unmodified-Since", date(time.Hour)}, {"If-Unmodified-Since", "nonsense"},
		{"If-Range", etag}, {"If-Range", weak}, {"If-Range", `"other"`}, {"If-Range", date(0)}, {"If-Range", date(-time.Hour)},
		{"If-Range", "not a date"},
	}
	var sets [][2]string
	add := func(kv ...string) {
		var b strings.Builder
		for i := 0; i+1 < len(kv); i += 2 {
			b.WriteString(kv[i] + ": " + kv[i+1] + "\n")
		}
		sets = append(sets, [2]string{"", b.String()})
	}
	add()
	for _, r := range ranges {
		add("Range", r)
	}
	for _, c := range conds {
		add(c[0], c[1])
		add(c[0], c[1], "Range", ranges[rng.IntN(len(ranges))])
	}
	for range 12 {
		a, b := conds[rng.IntN(len(conds))], conds[rng.IntN(len(conds))]
		add(a[0], a[1], b[0], b[1], "Range", ranges[rng.IntN(len(ranges))])
	}
	return sets
}

// exchange is one request and what came back.
type exchange struct {
	status int
	header nethttp.Header
	body   []byte
}

var noRedirects = &nethttp.Client{
	Transport:     &nethttp.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
	CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse },
	Timeout:       guard,
}

// do sends method rawPath (as is) with the header lines in hdr.
func do(t testing.TB, base, method, rawPath, hdr string) exchange {
	t.Helper()
	req, err := nethttp.NewRequest(method, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = rawPath
	for line := range strings.SplitSeq(strings.TrimSpace(hdr), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			req.Header.Add(k, v)
		}
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawPath, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, rawPath, err)
	}
	return exchange{resp.StatusCode, resp.Header, body}
}

// comparedHeaders are the fields a file server decides.
var comparedHeaders = []string{"Content-Type", "Content-Length", "Content-Range", "Last-Modified", "Location",
	"Accept-Ranges", "Etag", "X-Content-Type-Options", "Content-Encoding"}

// diff reports how ours differs from net/http's answer, "" when it does not.
// One difference is by design: a HEAD whose GET would have an empty body
// (a redirect, a 412) says Content-Length: 0 (RFC 9110 9.3.2), where
// net/http says nothing.
func diff(method string, ours, theirs exchange) string {
	if ours.status != theirs.status {
		return fmt.Sprintf("status %d, net/http %d (bodies %q / %q)", ours.status, theirs.status, clip(ours.body), clip(theirs.body))
	}
	for _, k := range comparedHeaders {
		a, b := ours.header.Get(k), theirs.header.Get(k)
		if k == "Etag" && ours.status/100 != 2 && ours.status != 304 && ours.status != 412 {
			continue // net/http keeps the test's ETag on redirects and errors it did not make itself
		}
		if k == "Content-Length" && method == "HEAD" && a == "0" && b == "" {
			continue
		}
		if k == "Content-Type" && strings.HasPrefix(a, "multipart/byteranges") {
			a, b = a[:strings.Index(a, ";")], b[:max(strings.Index(b, ";"), 0)]
		}
		if a != b {
			return fmt.Sprintf("%s: %q, net/http %q", k, a, b)
		}
	}
	if ct := ours.header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/byteranges") && method != "HEAD" {
		pa, errA := parts(ct, ours.body)
		pb, errB := parts(theirs.header.Get("Content-Type"), theirs.body)
		if errA != nil || errB != nil {
			return fmt.Sprintf("multipart: %v / %v", errA, errB)
		}
		if len(pa) != len(pb) {
			return fmt.Sprintf("%d parts, net/http %d", len(pa), len(pb))
		}
		for i := range pa {
			if pa[i] != pb[i] {
				return fmt.Sprintf("part %d differs", i)
			}
		}
		return ""
	}
	if !bytes.Equal(ours.body, theirs.body) {
		return fmt.Sprintf("body %q, net/http %q", clip(ours.body), clip(theirs.body))
	}
	return ""
}

func clip(b []byte) []byte { return b[:min(len(b), 80)] }

// parts reads a multipart/byteranges body into "headers|content" strings.
func parts(ctype string, body []byte) ([]string, error) {
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Header.Get("Content-Range")+"|"+p.Header.Get("Content-Type")+"|"+string(b))
	}
}

// startBoth serves root with this package (on a muduo-go server) and with
// net/http's FileServer, whose wrapper sets the same ETag this package
// makes, so the conditional requests meet the same validators.
func startBoth(t *testing.T, root string, opts ...Option) (ours, theirs string) {
	t.Helper()
	h, err := New(root, append([]Option{WithListing(true), WithPrecompressed(false)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	srv := http.NewServer(h, http.WithLogger(quietLogger))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	std := httptest.NewServer(withETags(root))
	t.Cleanup(std.Close)
	return "http://" + srv.Addr().String(), std.URL
}

// withETags is net/http's FileServer over root behind a wrapper that sets
// the ETag this package makes for the file a request resolves to (a
// directory's index.html included), so that conditional requests meet the
// same validators on both sides.
func withETags(root string) nethttp.Handler {
	fsrv := nethttp.FileServer(nethttp.Dir(root))
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		p := filepath.Join(root, filepath.FromSlash(path.Clean("/"+r.URL.Path)))
		if st, err := os.Stat(p); err == nil {
			if st.IsDir() {
				st, err = os.Stat(filepath.Join(p, "index.html"))
			}
			if err == nil && st.Mode().IsRegular() {
				w.Header().Set("Etag", etagOf(st))
			}
		}
		fsrv.ServeHTTP(w, r)
	})
}

func TestDifferentialAgainstNetHTTP(t *testing.T) {
	root, files, paths := genTree(t, t.TempDir())
	ours, theirs := startBoth(t, root)
	rng := rand.New(rand.NewPCG(3, 4))
	n, failures := 0, 0
	check := func(method, raw, hdr string) {
		n++
		a, b := do(t, ours, method, raw, hdr), do(t, theirs, method, raw, hdr)
		if d := diff(method, a, b); d != "" {
			failures++
			if failures <= 20 {
				t.Errorf("%s %s %q: %s (ours %d %v)", method, raw, hdr, d, a.status, a.header)
			}
		}
	}
	for _, p := range paths {
		for _, m := range []string{"GET", "HEAD"} {
			check(m, escapePath(p), "")
		}
	}
	for _, p := range hostilePaths {
		check("GET", p, "")
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(root, filepath.FromSlash(f.name)))
		if err != nil {
			t.Fatal(err)
		}
		sets := genHeaders(rng, etagOf(st), st.ModTime(), st.Size())
		if len(f.data) > 600 && !strings.HasPrefix(f.name, "text-4096") && f.name != "big.bin" {
			sets = sets[:len(sets)/3] // the full set on a few large files is enough
		}
		for _, s := range sets {
			m := "GET"
			if rng.IntN(5) == 0 {
				m = "HEAD"
			}
			check(m, escapePath("/"+f.name), s[1])
		}
	}
	for _, p := range escapingPaths {
		got := do(t, ours, "GET", p, "")
		if got.status != 404 || bytes.Contains(got.body, []byte("SECRET")) {
			t.Errorf("GET %s: %d %q: a file outside the root must be 404", p, got.status, clip(got.body))
		}
	}
	t.Logf("%d requests compared, %d differences", n, failures)
}
