package middleware

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/seed08ffa9f8/muduo-go/http"
)

func TestCompressMatchesType(t *testing.T) {
	types := []string{"text/*", "application/json", "application/*+json", "image/svg+xml"}
	for ct, want := range map[string]bool{
		"text/html":                            true,
		"TEXT/Plain; charset=utf-8":            true,
		"application/json":                     true,
		" application/json ; charset=utf-8":    true,
		"application/problem+json":             true,
		"application/vnd.api+JSON":             true,
		"application/+json":                    false, // no subtype before the suffix
		"application/jsonx":                    false,
		"image/svg+xml":                        true,
		"image/png":                            false,
		"text":                                 false,
		"/json":                                false,
		"":                                     false,
		"application/x-www-form-urlencoded":    false,
		"multipart/byteranges; boundary=x":     false,
		"application/json-seq":                 false,
		"textual/plain":                        false,
		"application/problem+json; charset=x":  true,
		"application/ld+json;profile=\"a;b\"":  true,
		"application/octet-stream":             false,
		"application/javascript; charset=utf8": false, // not in this list
	} {
		if got := compressMatchesType(types, ct); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}

// TestCompressOptions: each option changes what it says, over loopback.
func TestCompressOptions(t *testing.T) {
	handler := func(ct string, body []byte) http.HandlerFunc {
		return func(w *http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		}
	}
	for _, tc := range []struct {
		name         string
		opts         []CompressOption
		ct           string
		body         []byte
		ae, encoding string
	}{
		{"min size lowered", []CompressOption{CompressMinSize(10)}, "text/plain", []byte("0123456789"), "gzip", "gzip"},
		{"min size raised", []CompressOption{CompressMinSize(len(json16k) + 1)}, "application/json", json16k, "gzip", ""},
		{"types replaced: png allowed", []CompressOption{CompressTypes("image/png")}, "image/png", json16k, "gzip", "gzip"},
		{"types replaced: json dropped", []CompressOption{CompressTypes("image/png")}, "application/json", json16k, "gzip", ""},
		{"gzip only", []CompressOption{CompressEncodings("GZIP")}, "application/json", json16k, "zstd, deflate, gzip;q=0.1", "gzip"},
		{"gzip only, not accepted", []CompressOption{CompressEncodings("gzip")}, "application/json", json16k, "zstd", ""},
		{"deflate first", []CompressOption{CompressEncodings("deflate", "gzip", "zstd")}, "application/json", json16k, "gzip, zstd, deflate", "deflate"},
		{"gzip level", []CompressOption{CompressGzipLevel(gzip.BestSpeed)}, "application/json", json16k, "gzip", "gzip"},
		{"zstd level", []CompressOption{CompressZstdLevel(zstd.SpeedBetterCompression)}, "application/json", json16k, "zstd", "zstd"},
	} {
		rt := http.NewRouter()
		rt.Use(Compress(tc.opts...))
		rt.GET("/x", handler(tc.ct, tc.body))
		base := serve(t, rt)
		resp, b := get(t, "GET", base+"/x", tc.ae)
		if resp.Header.Get("Content-Encoding") != tc.encoding || !bytes.Equal(decode(t, tc.encoding, b), tc.body) {
			t.Errorf("%s: Content-Encoding %q, want %q", tc.name, resp.Header.Get("Content-Encoding"), tc.encoding)
		}
	}
}

func TestCompressBadOptions(t *testing.T) {
	for name, opt := range map[string]CompressOption{
		"unknown encoding": CompressEncodings("br"),
		"gzip level":       CompressGzipLevel(42),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			Compress(opt)
		}()
	}
}
