package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// formSummary answers a parsed form as JSON: fields, then files with their
// sizes and whether they were spilled; and, in X-Temp-Files, how many
// files the temp dir held while the handler ran.
func formSummary(w *ResponseWriter, f *Form, tmp string) {
	out := map[string]any{}
	f.Each(func(k, v string) bool {
		out[k] = v
		return true
	})
	for _, fh := range f.AllFiles() {
		rc, err := fh.Open()
		if err != nil {
			WriteErrorReason(w, 500, err.Error())
			return
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		out[fh.Field] = map[string]any{"filename": fh.Filename, "size": fh.Size, "read": len(b), "memory": fh.InMemory()}
	}
	w.Header().Set("X-Temp-Files", fmt.Sprint(countFiles(tmp)))
	b, _ := json.Marshal(out)
	_, _ = w.Write(b)
}

func countFiles(dir string) int {
	if dir == "" {
		return -1
	}
	es, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	return len(es)
}

// formServer serves Request.FormWith(opts) at any path, with TMPDIR set to
// a fresh directory it returns.
func formServer(t *testing.T, opts FormOptions) (*Server, string) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := startServer(t, HandlerFunc(func(w *ResponseWriter, r *Request) {
		f, err := r.FormWith(opts)
		if err != nil {
			WriteRequestError(w, err)
			return
		}
		formSummary(w, f, tmp)
	}), WithLimits(Limits{MaxBodyBytes: 64 << 20}))
	return s, tmp
}

type multipartPart struct {
	field, filename, content string
}

func multipartBody(t testing.TB, parts ...multipartPart) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.field, p.filename)
		} else {
			w, err = mw.CreateFormField(p.field)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, p.content)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func postForm(t testing.TB, s *Server, ct string, body []byte) (int, string, nethttp.Header) {
	t.Helper()
	resp, err := nethttp.Post("http://"+s.Addr().String()+"/form", ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestFormURLEncoded(t *testing.T) {
	s, _ := formServer(t, FormOptions{})
	resp, err := nethttp.PostForm("http://"+s.Addr().String()+"/form", url.Values{"name": {"Ada Lovelace"}, "lang": {"en&fr"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil || got["name"] != "Ada Lovelace" || got["lang"] != "en&fr" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// TestFormMultipartSpills: a file over MaxMemory goes to a temporary file
// in $TMPDIR while the handler runs, and is gone once it has returned.
func TestFormMultipartSpills(t *testing.T) {
	s, tmp := formServer(t, FormOptions{MaxMemory: 1 << 10})
	big := strings.Repeat("x", 100<<10)
	ct, body := multipartBody(t, multipartPart{"title", "", "holiday"},
		multipartPart{"small", "a.txt", "hello"}, multipartPart{"big", "b.bin", big})
	code, out, h := postForm(t, s, ct, body)
	if code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	var got map[string]any
	_ = json.Unmarshal([]byte(out), &got)
	small, _ := got["small"].(map[string]any)
	bigf, _ := got["big"].(map[string]any)
	if got["title"] != "holiday" || small["size"] != 5.0 || small["memory"] != true ||
		bigf["size"] != float64(len(big)) || bigf["read"] != float64(len(big)) || bigf["memory"] != false {
		t.Fatalf("form %s", out)
	}
	if h.Get("X-Temp-Files") != "1" {
		t.Fatalf("%s files in TMPDIR during the handler, want 1", h.Get("X-Temp-Files"))
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left in TMPDIR", n)
	}
}

// TestFormHostile: hostile bodies get 400/413 naming the problem and leave
// no temporary file behind.
func TestFormHostile(t *testing.T) {
	s, tmp := formServer(t, FormOptions{MaxMemory: 1 << 10, MaxBytes: 1 << 20})
	var tiny bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&tiny, "--B\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n", i)
	}
	tiny.WriteString("--B--\r\n")
	_, file := multipartBody(t, multipartPart{"big", "big.bin", strings.Repeat("z", 2<<20)})
	cases := []struct {
		name, ct string
		body     []byte
		code     int
		reason   string
	}{
		{"no boundary", "multipart/form-data", []byte("--B\r\n\r\n"), 400, "without boundary"},
		{"endless part", "multipart/form-data; boundary=B", []byte("--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n" + strings.Repeat("e", 200<<10)), 400, "ends before its closing boundary"},
		{"10000 tiny parts", "multipart/form-data; boundary=B", tiny.Bytes(), 413, "more than 1000 multipart parts"},
		{"file past the limit", "multipart/form-data; boundary=" + multipartBoundary(file), file, 413, "over 1048576 bytes"},
		{"garbage", "multipart/form-data; boundary=B", []byte("no boundary line here"), 400, "before its closing boundary"},
		{"not a form", "application/json", []byte(`{}`), 415, "is not a form"},
		{"bad content type", "multipart/form-data; boundary", []byte("x"), 400, "malformed Content-Type"},
		{"value too large", "application/x-www-form-urlencoded", []byte("a=" + strings.Repeat("v", 2<<20)), 413, "urlencoded form over"},
	}
	for _, tc := range cases {
		code, out, _ := postForm(t, s, tc.ct, tc.body)
		if code != tc.code || !strings.HasPrefix(out, fmt.Sprintf("%d %s: ", tc.code, StatusText(tc.code))) || !strings.Contains(out, tc.reason) {
			t.Errorf("%s: %d %q, want %d naming %q", tc.name, code, out, tc.code, tc.reason)
		}
		if n := countFiles(tmp); n != 0 {
			t.Fatalf("%s: %d files left in TMPDIR", tc.name, n)
		}
	}
}

// multipartBoundary returns the boundary a multipart.Writer body starts with.
func multipartBoundary(body []byte) string {
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	return string(bytes.TrimPrefix(line, []byte("--")))
}

func BenchmarkFormURLEncoded(b *testing.B) {
	body := []byte("name=Ada+Lovelace&email=ada%40example.com&age=36&lang=en&lang=fr")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		f, err := parseForm(nil, nil, body, "application/x-www-form-urlencoded", FormOptions{}.withDefaults())
		if err != nil || f.Get("lang") != "en" {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormMultipart(b *testing.B) {
	ct, body := multipartBody(b, multipartPart{"name", "", "Ada"}, multipartPart{"photo", "p.jpg", strings.Repeat("p", 32<<10)})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		f, err := parseForm(nil, bytes.NewReader(body), body, ct, FormOptions{}.withDefaults())
		if err != nil || f.File("photo").Size != 32<<10 {
			b.Fatal(err)
		}
	}
}
