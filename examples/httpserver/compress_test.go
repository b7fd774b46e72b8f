package main

import (
	"bytes"
	"context"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// TestCompressionContract: /json and /plaintext are compressed for Go's
// client (which asks for gzip and decodes by itself), for a zstd client
// (klauspost's decoder) and for curl --compressed; the decoded bytes are
// the contract's; a client that asks for nothing gets them as they are.
func TestCompressionContract(t *testing.T) {
	base := start(t)
	want := map[string]string{"/json": `{"message":"Hello, World!"}`, "/plaintext": "Hello, World!"}

	auto := &nethttp.Client{Timeout: guard, Transport: &nethttp.Transport{}}
	raw := &nethttp.Client{Timeout: guard, Transport: &nethttp.Transport{DisableCompression: true}}
	defer auto.CloseIdleConnections()
	defer raw.CloseIdleConnections()

	for path, body := range want {
		// Go's client: Accept-Encoding: gzip, decoded transparently.
		resp, err := auto.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || !resp.Uncompressed || string(b) != body {
			t.Fatalf("Go client %s: uncompressed %v, %q %v", path, resp.Uncompressed, b, err)
		}

		for _, coding := range []string{"gzip", "zstd"} {
			req, _ := nethttp.NewRequest("GET", base+path, nil)
			req.Header.Set("Accept-Encoding", coding)
			resp, err := raw.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil || resp.Header.Get("Content-Encoding") != coding || resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Fatalf("%s %s: Content-Encoding %q, Vary %q, %v", coding, path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), err)
			}
			var dec []byte
			if coding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(enc))
				if err != nil {
					t.Fatal(err)
				}
				dec, err = io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				zd, err := zstd.NewReader(nil)
				if err != nil {
					t.Fatal(err)
				}
				dec, err = zd.DecodeAll(enc, nil)
				zd.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			if string(dec) != body {
				t.Fatalf("%s %s: decoded %q", coding, path, dec)
			}
		}

		// No Accept-Encoding: the bytes as they are, no Vary.
		resp, err = raw.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != body || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "" {
			t.Fatalf("identity %s: %q, Content-Encoding %q, Vary %q", path, b, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
	}

	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but curl is not installed (.ci/run installs it)")
		}
		t.Skip("curl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	for path, body := range want {
		out, err := exec.CommandContext(ctx, curl, "-sS", "--compressed", "-D", "-", base+path).Output()
		if err != nil {
			t.Fatalf("curl %s: %v", path, err)
		}
		head, got, _ := strings.Cut(string(out), "\r\n\r\n")
		if got != body || !strings.Contains(strings.ToLower(head), "\ncontent-encoding: ") {
			t.Fatalf("curl --compressed %s: %q, head:\n%s", path, got, head)
		}
	}
}
