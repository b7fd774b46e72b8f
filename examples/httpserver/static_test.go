package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"image/png"
	"io"
	"log/slog"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// startStatic serves the example's routes with the default static files.
func startStatic(t *testing.T) string {
	t.Helper()
	rt := NewRouter()
	closeStatic, err := mountStatic(rt, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := http.NewServer(rt, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		http.WithHeaderTimeout(2*time.Minute), http.WithIdleTimeout(2*time.Minute))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(); closeStatic() })
	return "http://" + srv.Addr().String()
}

func embedded(t *testing.T, name string) string {
	t.Helper()
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStaticContract: /static/ serves the example's files with the
// FileServer's rules, compressed for the clients that accept it.
func TestStaticContract(t *testing.T) {
	base := startStatic(t)
	plain := &nethttp.Client{Transport: &nethttp.Transport{DisableCompression: true},
		CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}
	r := do(t, plain, "GET", base+"/static/", "", nil)
	if r.StatusCode != 200 || r.body != embedded(t, "index.html") || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/static/: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
	if r.Header.Get("Vary") != "Accept-Encoding" || r.Header.Get("Etag") == "" || r.Header.Get("Last-Modified") == "" {
		t.Fatalf("/static/ headers: %v", r.Header)
	}
	if r = do(t, plain, "GET", base+"/static", "", nil); r.StatusCode != 301 || r.Header.Get("Location") != "static/" {
		t.Fatalf("/static: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r = do(t, plain, "GET", base+"/static/index.html", "", nil); r.StatusCode != 301 || r.Header.Get("Location") != "./" {
		t.Fatalf("/static/index.html: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r = do(t, plain, "GET", base+"/static/style.css", "", nil); r.body != embedded(t, "style.css") || r.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("style.css: %q %q", r.Header.Get("Content-Type"), r.body)
	}
	want := blob()
	if r = do(t, plain, "GET", base+"/static/data.bin", "", nil); r.body != string(want) || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("data.bin: %d bytes, %q", len(r.body), r.Header.Get("Content-Type"))
	}
	req, _ := nethttp.NewRequest("GET", base+"/static/data.bin", nil)
	req.Header.Set("Range", "bytes=1000-1999")
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || !bytes.Equal(got, want[1000:2000]) {
		t.Fatalf("range of data.bin: %d, %d bytes", resp.StatusCode, len(got))
	}
	for _, p := range []string{"/static/../main.go", "/static/%2e%2e/main.go", "/static/..%2fmain.go"} {
		// The router cleans the first (307 to /main.go, which is 404);
		// the file server refuses the others: nothing of the example's
		// source is ever served.
		if r = do(t, plain, "GET", base+p, "", nil); (r.StatusCode != 404 && r.StatusCode != 307) || strings.Contains(r.body, "package main") {
			t.Fatalf("%s: %d %q", p, r.StatusCode, r.body)
		}
	}
	// Go's client asks for gzip and decompresses: it gets the page.
	resp, err = nethttp.Get(base + "/static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !resp.Uncompressed || string(got) != embedded(t, "style.css") {
		t.Fatalf("Go's client: uncompressed %v, %q", resp.Uncompressed, got)
	}
	for _, enc := range []string{"gzip", "zstd"} {
		req, _ := nethttp.NewRequest("GET", base+"/static/", nil)
		req.Header.Set("Accept-Encoding", enc)
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != enc {
			t.Fatalf("Accept-Encoding %s: Content-Encoding %q", enc, resp.Header.Get("Content-Encoding"))
		}
	}
}

// TestStaticCurl: curl --compressed gets the files decompressed, and the
// 1 MiB download intact.
func TestStaticCurl(t *testing.T) {
	curl := needTool(t, "curl")
	base := startStatic(t)
	for _, name := range []string{"", "style.css"} {
		out, err := exec.Command(curl, "-sS", "--compressed", "-D", "-", base+"/static/"+name).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		head, body, _ := strings.Cut(string(out), "\r\n\r\n")
		want := embedded(t, map[string]string{"": "index.html", "style.css": "style.css"}[name])
		if !strings.Contains(strings.ToLower(head), "content-encoding: ") || body != want {
			t.Fatalf("curl --compressed /static/%s:\n%s\n(body %d bytes, want %d)", name, head, len(body), len(want))
		}
	}
	out, err := exec.Command(curl, "-sS", base+"/static/data.bin").Output()
	if err != nil || sha256.Sum256(out) != sha256.Sum256(blob()) {
		t.Fatalf("curl data.bin: %v, %d bytes", err, len(out))
	}
}

// TestStaticChromium: headless Chromium loads /static/, its style sheet
// included: the screenshot's background is the CSS's color.
func TestStaticChromium(t *testing.T) {
	chromium := needTool(t, "chromium", "chromium-browser", "google-chrome")
	base := startStatic(t)
	shot := filepath.Join(t.TempDir(), "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 6*guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--window-size=640,480", "--user-data-dir="+t.TempDir(), "--screenshot="+shot, base+"/static/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := img.At(5, 5).RGBA()
	t.Logf("screenshot: %d bytes PNG, %v, pixel (5,5) = #%02x%02x%02x", len(b), img.Bounds().Size(), r>>8, g>>8, bl>>8)
	// style.css: html, body { background: #2a6f97 }
	if r>>8 != 0x2a || g>>8 != 0x6f || bl>>8 != 0x97 {
		t.Fatalf("the page's background is #%02x%02x%02x, not style.css's #2a6f97: the style sheet was not applied", r>>8, g>>8, bl>>8)
	}
}
