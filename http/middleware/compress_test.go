package middleware

import (
	"bytes"
	"fmt"
	"io"
	stdhttp "net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// jsonBody returns a JSON document of about n bytes, varied enough that
// it does not compress to nothing.
func jsonBody(n int) []byte {
	b := []byte(`{"items":[`)
	for i := 0; len(b) < n-40; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"id":%d,"name":"item-%x","ok":%t}`, i, i*2654435761%1000003, i%3 == 0)
	}
	return append(b, "]}"...)
}

var json16k = jsonBody(16 << 10)

// compressRouter serves the routes the tests use behind Compress(opts).
func compressRouter(opts ...CompressOption) *http.Router {
	rt := http.NewRouter()
	rt.Use(Compress(opts...))
	rt.GET("/json", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json16k)
	})
	rt.GET("/small", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.WriteString("Hello, World!")
	})
	rt.GET("/png", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(json16k)
	})
	rt.GET("/notype", func(w *http.ResponseWriter, _ *http.Request) { _, _ = w.Write(json16k) })
	rt.GET("/etag", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("Content-Length", strconv.Itoa(len(json16k)))
		_, _ = w.Write(json16k)
	})
	rt.GET("/encoded", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gzipOf(json16k))
	})
	rt.GET("/range", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-4095/%d", len(json16k)))
		w.WriteHeader(206)
		_, _ = w.Write(json16k[:4096])
	})
	rt.GET("/nocontent", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(204)
	})
	rt.GET("/notmodified", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(304)
	})
	rt.GET("/vary", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Vary", "Origin")
		_, _ = w.Write(json16k)
	})
	return rt
}

func gzipOf(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// rawClient sends the Accept-Encoding it is given and decodes nothing.
var rawClient = &stdhttp.Client{Timeout: guard, Transport: &stdhttp.Transport{DisableCompression: true}}

// get sends GET (or method) path with Accept-Encoding ae (none when "-")
// and returns the response and its body as sent (still encoded).
func get(t *testing.T, method, url, ae string) (*stdhttp.Response, []byte) {
	t.Helper()
	req, err := stdhttp.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ae != "-" {
		req.Header.Set("Accept-Encoding", ae)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// decode undoes the response's Content-Encoding with klauspost's decoders.
func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch coding {
	case "":
		return b
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(b))
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(b))
		if d != nil {
			defer d.Close()
		}
		r = d
	default:
		t.Fatalf("unexpected Content-Encoding %q", coding)
	}
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return out
}

// TestCompressNegotiation: the coding chosen for each Accept-Encoding, the
// decoded bytes equal to the handler's, and the length framing the
// encoded body.
func TestCompressNegotiation(t *testing.T) {
	base := serve(t, compressRouter())
	for _, tc := range []struct{ ae, want string }{
		{"-", ""},
		{"", ""},
		{"gzip", "gzip"},
		{"GZIP", "gzip"},
		{"x-gzip", "gzip"},
		{"deflate", "deflate"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "zstd"}, // ties go to the server's order
		{"gzip, deflate, br", "gzip"},
		{"gzip;q=0.5, zstd;q=0.4", "gzip"},
		{"gzip;q=1.0, zstd;q=0.999", "gzip"},
		{"gzip ; q=0.8 , deflate;q=0.9", "deflate"},
		{"*", "zstd"},
		{"*;q=0.5, zstd;q=0", "gzip"},
		{"*;q=0", ""},
		{"gzip;q=0", ""},
		{"br", ""},
		{"identity", ""},
		{"identity;q=1, gzip;q=0.5", ""}, // the client prefers the identity
		{"identity;q=0.5, gzip", "gzip"},
		{"gzip;q=2", ""},      // malformed weight: the element is ignored
		{"gzip;q=0.1234", ""}, // four decimals
		{"gzip;level=1", ""},
		{"identity;q=0", ""}, // nothing acceptable: the identity, not 406 (RFC 9110 12.5.3)
		{"br;q=1, identity;q=0, *;q=0", ""},
	} {
		resp, b := get(t, "GET", base+"/json", tc.ae)
		ce := resp.Header.Get("Content-Encoding")
		if resp.StatusCode != 200 || ce != tc.want {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want 200 %q", tc.ae, resp.StatusCode, ce, tc.want)
			continue
		}
		if resp.ContentLength != int64(len(b)) {
			t.Errorf("Accept-Encoding %q: Content-Length %d, body %d bytes", tc.ae, resp.ContentLength, len(b))
		}
		if ce != "" && len(b) >= len(json16k)/2 {
			t.Errorf("Accept-Encoding %q: %d bytes compressed to %d", tc.ae, len(json16k), len(b))
		}
		if got := decode(t, ce, b); !bytes.Equal(got, json16k) {
			t.Errorf("Accept-Encoding %q: decoded body differs (%d bytes, want %d)", tc.ae, len(got), len(json16k))
		}
		want := []string{"Accept-Encoding"}
		if tc.ae == "-" {
			want = nil // no Accept-Encoding: passed through untouched
		}
		if v := resp.Header.Values("Vary"); !slices.Equal(v, want) {
			t.Errorf("Accept-Encoding %q: Vary %q, want %q", tc.ae, v, want)
		}
	}
}

// TestCompressGoClient: Go's client asks for gzip by itself and gets the
// body decoded.
func TestCompressGoClient(t *testing.T) {
	base := serve(t, compressRouter())
	resp, err := client.Get(base + "/json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || !resp.Uncompressed || !bytes.Equal(b, json16k) {
		t.Fatalf("err %v, uncompressed %v, %d bytes equal %v", err, resp.Uncompressed, len(b), bytes.Equal(b, json16k))
	}
}

// TestCompressEligibility: what is left alone, and what a compressed
// response's fields become.
func TestCompressEligibility(t *testing.T) {
	base := serve(t, compressRouter())
	for _, tc := range []struct {
		method, path, ae string
		status           int
		coding           string
	}{
		{"GET", "/small", "gzip", 200, ""},                   // under the minimum size
		{"GET", "/small", "gzip, identity;q=0", 200, "gzip"}, // the identity refused: any size
		{"GET", "/png", "gzip", 200, ""},                     // not an allowed type
		{"GET", "/notype", "gzip", 200, ""},                  // no Content-Type
		{"GET", "/encoded", "zstd, gzip", 200, "gzip"},       // the handler's own encoding, untouched
		{"GET", "/range", "gzip", 206, ""},
		{"GET", "/nocontent", "gzip", 204, ""},
		{"GET", "/notmodified", "gzip", 304, ""},
		{"HEAD", "/json", "gzip", 200, ""},
	} {
		resp, b := get(t, tc.method, base+tc.path, tc.ae)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Encoding") != tc.coding {
			t.Errorf("%s %s (%s): %d %q, want %d %q", tc.method, tc.path, tc.ae, resp.StatusCode,
				resp.Header.Get("Content-Encoding"), tc.status, tc.coding)
		}
		if tc.path == "/encoded" && !bytes.Equal(decode(t, "gzip", b), json16k) {
			t.Errorf("%s: compressed twice", tc.path)
		}
		if tc.path == "/notmodified" && resp.Header.Get("Etag") != `"v1"` {
			t.Errorf("304's ETag %q, want it untouched", resp.Header.Get("Etag"))
		}
		if tc.method == "HEAD" && (len(b) != 0 || resp.Header.Get("Vary") != "Accept-Encoding") {
			t.Errorf("HEAD: %d body bytes, Vary %q", len(b), resp.Header.Get("Vary"))
		}
	}

	resp, b := get(t, "GET", base+"/etag", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Etag") != `W/"v1"` ||
		resp.Header.Get("Accept-Ranges") != "" || resp.ContentLength != int64(len(b)) {
		t.Errorf("compressed with ETag: %q, ETag %q, Accept-Ranges %q, Content-Length %d for %d bytes",
			resp.Header.Get("Content-Encoding"), resp.Header.Get("Etag"), resp.Header.Get("Accept-Ranges"), resp.ContentLength, len(b))
	}
	resp, b = get(t, "GET", base+"/etag", "identity")
	if resp.Header.Get("Etag") != `"v1"` || resp.Header.Get("Accept-Ranges") != "bytes" || !bytes.Equal(b, json16k) {
		t.Errorf("identity: ETag %q, Accept-Ranges %q, body equal %v", resp.Header.Get("Etag"), resp.Header.Get("Accept-Ranges"), bytes.Equal(b, json16k))
	}
	resp, _ = get(t, "GET", base+"/vary", "gzip")
	if v := strings.Join(resp.Header.Values("Vary"), ", "); v != "Origin, Accept-Encoding" || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("a handler's Vary: %q, %q", v, resp.Header.Get("Content-Encoding"))
	}
}
