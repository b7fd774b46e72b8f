package middleware

import (
	"bufio"
	"bytes"
	"io"
	stdhttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// TestCompressPipelined: requests sent in one write, each with its own
// Accept-Encoding, get their responses in order, each framed by its own
// encoded length.
func TestCompressPipelined(t *testing.T) {
	base := serve(t, compressRouter())
	c := dialRaw(t, base)
	codings := []string{"gzip", "identity", "zstd", "deflate", "gzip"}
	var reqs strings.Builder
	for _, ae := range codings {
		reqs.WriteString("GET /json HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + ae + "\r\n\r\n")
	}
	if _, err := io.WriteString(c.nc, reqs.String()); err != nil {
		t.Fatal(err)
	}
	for i, ae := range codings {
		resp, err := stdhttp.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		want := ae
		if ae == "identity" {
			want = ""
		}
		if err != nil || resp.Header.Get("Content-Encoding") != want || !bytes.Equal(decode(t, want, b), json16k) {
			t.Fatalf("response %d: %v, Content-Encoding %q, want %q", i, err, resp.Header.Get("Content-Encoding"), want)
		}
	}
}

// TestCompressHTTP10Stream: an HTTP/1.0 client has no chunking; a streamed
// compressed body ends with the connection, complete.
func TestCompressHTTP10Stream(t *testing.T) {
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/stream", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(json16k[:5000])
		_ = w.Flush()
		_, _ = w.Write(json16k[5000:])
	})
	c := dialRaw(t, serve(t, rt))
	if _, err := io.WriteString(c.nc, "GET /stream HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(c.br)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stdhttp.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 || !bytes.Equal(decode(t, "gzip", b), json16k) {
		t.Fatalf("Content-Encoding %q, Content-Length %d", resp.Header.Get("Content-Encoding"), resp.ContentLength)
	}
}

// TestCompressFastPaths: through Compress, a body to a missing route is
// still refused from its head (Expect: 100-continue gets the 404 without
// sending the body), a hijacking handler still gets its connection, and a
// cut-short compressed stream closes the connection while the server goes
// on serving.
func TestCompressFastPaths(t *testing.T) {
	rt := http.NewRouter()
	rt.Use(Compress())
	rt.GET("/json", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json16k)
	})
	rt.GET("/hijack", func(w *http.ResponseWriter, _ *http.Request) {
		_ = w.Hijack(http.HijackCallbacks{
			Start: func(tc *tcp.Conn, in *buffer.Buffer) {
				_ = tc.Send([]byte("hijacked\n"))
				in.RetrieveAll()
			},
			Message: func(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) {
				_ = tc.Send(in.Peek())
				in.RetrieveAll()
			},
		})
	})
	rt.GET("/abort", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(json16k)
		_ = w.Flush()
		w.Abort(nil)
	})
	base := serve(t, rt)

	c := dialRaw(t, base)
	resp, _, err := c.roundTrip("POST /nowhere HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n")
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("refused body: %v %v", resp, err)
	}

	c = dialRaw(t, base)
	if _, err := io.WriteString(c.nc, "GET /hijack HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := c.br.ReadString('\n')
	if err != nil || line != "hijacked\n" {
		t.Fatalf("hijack: %q %v", line, err)
	}
	if _, err := io.WriteString(c.nc, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if line, err = c.br.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("hijacked echo: %q %v", line, err)
	}

	c = dialRaw(t, base)
	if _, err := io.WriteString(c.nc, "GET /abort HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err = stdhttp.ReadResponse(c.br, nil)
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("abort: %v %v", resp, err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a cut-short chunked body read as complete")
	}

	resp2, b := get(t, "GET", base+"/json", "gzip")
	if resp2.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, "gzip", b), json16k) {
		t.Fatal("the server stopped compressing after the cut-short response")
	}
}

// TestCompressTimeout: a detached compressed response that misses
// Timeout's deadline is answered 503 in its place; its encoder is let go
// and the next response is compressed as usual.
func TestCompressTimeout(t *testing.T) {
	release := make(chan struct{})
	rt := http.NewRouter()
	rt.Use(Compress(), Timeout(50*time.Millisecond))
	rt.GET("/slow", func(w *http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Detach()
		go func() {
			<-release
			_, _ = w.Write(json16k)
			w.Finish()
		}()
	})
	rt.GET("/json", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json16k)
	})
	base := serve(t, rt)
	resp, _ := get(t, "GET", base+"/slow", "gzip")
	close(release)
	if resp.StatusCode != 503 {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	resp, b := get(t, "GET", base+"/json", "zstd")
	if resp.Header.Get("Content-Encoding") != "zstd" || !bytes.Equal(decode(t, "zstd", b), json16k) {
		t.Fatal("not compressed after a timeout")
	}
}
