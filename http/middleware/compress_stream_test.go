package middleware

import (
	"bytes"
	"context"
	"io"
	stdhttp "net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// streamReader decodes a streamed body as it arrives.
func streamReader(t *testing.T, coding string, r io.Reader) io.Reader {
	t.Helper()
	var dr io.Reader
	var err error
	switch coding {
	case "gzip":
		dr, err = gzip.NewReader(r)
	case "deflate":
		dr, err = zlib.NewReader(r)
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if d != nil {
			t.Cleanup(d.Close)
		}
		dr = d
	default:
		t.Fatalf("Content-Encoding %q", coding)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dr
}

// TestCompressStreamFlush: a detached handler streams events with Flush;
// the client decodes each piece before the handler writes the next, so
// every Flush sent a decodable stream, and the whole decodes to what was
// written.
func TestCompressStreamFlush(t *testing.T) {
	pieces := [][]byte{[]byte("data: first\n\n"), bytes.Repeat([]byte("data: second, longer\n\n"), 300), []byte("data: last\n\n")}
	next := make(chan struct{})
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/events", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Detach()
		go func() {
			defer w.Finish()
			for i, p := range pieces {
				if i > 0 {
					select {
					case <-next:
					case <-time.After(guard):
						return
					}
				}
				_, _ = w.Write(p)
				if err := w.Flush(); err != nil {
					return
				}
			}
		}()
	})
	base := serve(t, rt)
	for _, coding := range []string{"gzip", "zstd", "deflate"} {
		req, _ := stdhttp.NewRequest("GET", base+"/events", nil)
		req.Header.Set("Accept-Encoding", coding)
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != coding || len(resp.TransferEncoding) != 1 || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: Content-Encoding %q, Transfer-Encoding %q, Vary %q", coding, resp.Header.Get("Content-Encoding"), resp.TransferEncoding, resp.Header.Get("Vary"))
		}
		dr := streamReader(t, coding, resp.Body)
		for i, p := range pieces {
			got := make([]byte, len(p))
			if _, err := io.ReadFull(dr, got); err != nil || !bytes.Equal(got, p) {
				t.Fatalf("%s: piece %d: %q %v", coding, i, got, err)
			}
			if i < len(pieces)-1 {
				next <- struct{}{}
			}
		}
		if rest, err := io.ReadAll(dr); err != nil || len(rest) != 0 {
			t.Fatalf("%s: after the last piece: %q %v", coding, rest, err)
		}
		_ = resp.Body.Close()
	}
}

// TestCompressInlineFlush: a handler on the loop that flushes, and one that
// declared a Content-Length before streaming (the length is dropped: the
// body goes out compressed and chunked).
func TestCompressInlineFlush(t *testing.T) {
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/flush", func(w *http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Query("cl") != "" {
			w.Header().Set("Content-Length", "16000000")
		}
		_, _ = w.Write(json16k[:100])
		_ = w.Flush()
		_, _ = w.Write(json16k[100:])
		_ = w.Flush()
	})
	base := serve(t, rt)
	for _, path := range []string{"/flush", "/flush?cl=1"} {
		resp, b := get(t, "GET", base+path, "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 {
			t.Fatalf("%s: %q, Content-Length %d", path, resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		if !bytes.Equal(decode(t, "gzip", b), json16k) {
			t.Fatalf("%s: decoded body differs", path)
		}
	}
}

// TestCompressPaths: the same body through a detached handler, the worker
// pool and an adapted net/http handler (which also reads a streamed
// request body through the chain) is compressed, and decodes to it.
func TestCompressPaths(t *testing.T) {
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/detached", func(w *http.ResponseWriter, _ *http.Request) {
		w.Detach()
		go func() {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(json16k)
			w.Finish()
		}()
	})
	rt.GET("/inline", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json16k)
	})
	rt.Handle("POST /adapted", http.Adapt(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(bytes.Repeat(b, 200))
	})))
	for _, opts := range [][]http.Option{nil, {http.WithWorkers(2, 0)}} {
		base := serve(t, rt, opts...)
		for _, path := range []string{"/detached", "/inline"} {
			resp, b := get(t, "GET", base+path, "gzip")
			if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, "gzip", b), json16k) {
				t.Fatalf("%s (workers %v): %q", path, opts != nil, resp.Header.Get("Content-Encoding"))
			}
		}
		req, _ := stdhttp.NewRequest("POST", base+"/adapted", strings.NewReader("a streamed request body\n"))
		req.Header.Set("Accept-Encoding", "zstd")
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "zstd" || string(decode(t, "zstd", b)) != strings.Repeat("a streamed request body\n", 200) {
			t.Fatalf("adapted: %q", resp.Header.Get("Content-Encoding"))
		}
	}
}

// TestCompressCurl: curl --compressed (which offers every coding it was
// built with) gets the body decoded.
func TestCompressCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but curl is not installed (.ci/run installs it)")
		}
		t.Skip("curl not installed")
	}
	base := serve(t, compressRouter())
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	for _, path := range []string{"/json", "/small", "/etag"} {
		out, err := exec.CommandContext(ctx, curl, "-sS", "--compressed", "-D", "-", base+path).Output()
		if err != nil {
			t.Fatalf("curl %s: %v", path, err)
		}
		head, body, _ := strings.Cut(string(out), "\r\n\r\n")
		want := string(json16k)
		if path == "/small" {
			want = "Hello, World!"
		}
		if body != want {
			t.Fatalf("curl %s: body differs (%d bytes), head:\n%s", path, len(body), head)
		}
		if path != "/small" && !strings.Contains(strings.ToLower(head), "content-encoding: ") {
			t.Fatalf("curl %s: not compressed:\n%s", path, head)
		}
	}
}
