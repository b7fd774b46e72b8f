package http

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// fileRouter serves a file body through ResponseWriter.SendFile in the
// middle of written bytes, and counts the files released.
func fileRouter(t *testing.T, data []byte, released *atomic.Int64) *Router {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	open := func() *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Error(err)
		}
		return f
	}
	rt := testRouter()
	file := func(w *ResponseWriter, r *Request) {
		off, _ := strconv.Atoi(r.Query("off"))
		n, _ := strconv.Atoi(r.Query("n"))
		f := open()
		_, _ = w.WriteString("<")
		if err := w.SendFileFunc(f, int64(off), int64(n), func(error) { _ = f.Close(); released.Add(1) }); err != nil {
			t.Error(err)
		}
		_, _ = w.WriteString(">")
		if !w.SendsFiles() && n > 0 {
			t.Error("SendsFiles is false after SendFile")
		}
		if r.Query("reader") != "" {
			if err := w.SendReader(bytes.NewReader(data[:n]), int64(n), func(error) { released.Add(1) }); err != nil {
				t.Error(err)
			}
		}
	}
	rt.GET("/file", file)
	rt.HEAD("/file", file)
	rt.GET("/flushed", func(w *ResponseWriter, _ *Request) {
		f := open()
		_ = w.SendFileFunc(f, 0, 10, func(error) { _ = f.Close(); released.Add(1) })
		if err := w.Flush(); err != nil {
			t.Error(err)
		}
	})
	rt.GET("/reset", func(w *ResponseWriter, _ *Request) {
		f := open()
		_ = w.SendFileFunc(f, 0, 10, func(error) { _ = f.Close(); released.Add(1) })
		w.Reset()
		_, _ = w.WriteString("instead")
	})
	return rt
}

// TestResponseSendFilePipelined: file bodies in pipelined responses (in
// the loop's batch, in a slot behind a detached response, for HEAD) keep
// the responses' order and lengths, and every file is released.
func TestResponseSendFilePipelined(t *testing.T) {
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	var released atomic.Int64
	rt := fileRouter(t, data, &released)
	slow := make(chan *ResponseWriter, 1)
	rt.GET("/detached", func(w *ResponseWriter, _ *Request) {
		slow <- w.Detach()
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/file?off=5&n=2000000") + get("/plaintext") + get("/detached") + get("/file?off=0&n=100&reader=1") +
		"HEAD /file?off=1&n=300 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/file?off=7&n=0"))
	r := c.expectStatus("GET", 200)
	if want := "<" + string(data[5:2000005]) + ">"; r.body != want || r.ContentLength != int64(len(want)) {
		t.Fatalf("first file response: %d bytes (Content-Length %d), want %d", len(r.body), r.ContentLength, len(want))
	}
	if r = c.expectStatus("GET", 200); r.body != "Hello, World!" {
		t.Fatalf("second response %q", r.body)
	}
	w := <-slow
	_, _ = w.WriteString("late")
	w.Finish()
	if r = c.expectStatus("GET", 200); r.body != "late" {
		t.Fatalf("detached response %q", r.body)
	}
	if r = c.expectStatus("GET", 200); r.body != "<"+string(data[:100])+">"+string(data[:100]) {
		t.Fatalf("file behind a detached response: %d bytes", len(r.body))
	}
	if r = c.expectStatus("HEAD", 200); r.ContentLength != 302 || r.body != "" {
		t.Fatalf("HEAD: Content-Length %d, body %q", r.ContentLength, r.body)
	}
	if r = c.expectStatus("GET", 200); r.body != "<>" {
		t.Fatalf("empty file range: %q", r.body)
	}
	waitFor(t, "files released", func() bool { return released.Load() == 5 })
}

// TestResponseSendFileMisuse: a Flush after SendFile cuts the response
// short (no head can carry the file's length), Reset drops the file, and
// both release it.
func TestResponseSendFileMisuse(t *testing.T) {
	var released atomic.Int64
	rt := fileRouter(t, []byte(strings.Repeat("x", 100)), &released)
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/reset"))
	if r := c.expectStatus("GET", 200); r.body != "instead" {
		t.Fatalf("reset response %q", r.body)
	}
	c.send(get("/flushed"))
	c.expectEOF()
	waitFor(t, "files released", func() bool { return released.Load() == 2 })
	var w ResponseWriter
	w.finished = true
	if err := w.SendFileFunc(nil, 0, 1, nil); !errors.Is(err, os.ErrInvalid) {
		t.Fatalf("SendFileFunc(nil): %v", err)
	}
}
