package http

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"mime/multipart"
	"net"
	nethttp "net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestFormDetachedFinishRemoves: a detached handler keeps its spilled
// files until it calls Finish; they are gone when the client has the
// response.
func TestFormDetachedFinishRemoves(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := startServer(t, HandlerFunc(func(w *ResponseWriter, r *Request) {
		f, err := r.FormWith(FormOptions{MaxMemory: 16})
		if err != nil {
			WriteRequestError(w, err)
			return
		}
		fh := f.File("up")
		w = w.Detach()
		go func() {
			defer w.Finish()
			rc, err := fh.Open() // after the handler returned: still there
			if err != nil {
				WriteErrorReason(w, 500, err.Error())
				return
			}
			n, _ := io.Copy(io.Discard, rc)
			_ = rc.Close()
			fmt.Fprintf(w, "%d %d", n, countFiles(tmp))
		}()
	}))
	ct, body := multipartBody(t, multipartPart{"up", "u.bin", strings.Repeat("u", 4096)})
	code, out, _ := postForm(t, s, ct, body)
	if code != 200 || out != "4096 1" {
		t.Fatalf("%d %q, want 200 \"4096 1\"", code, out)
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left after Finish", n)
	}
}

// TestFormConnectionDeathRemoves: the spilled files of a detached handler
// are removed when its connection dies, before it finishes.
func TestFormConnectionDeathRemoves(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	openErr := make(chan error, 1)
	parsed := make(chan struct{})
	s := startServer(t, HandlerFunc(func(w *ResponseWriter, r *Request) {
		f, err := r.FormWith(FormOptions{MaxMemory: 16})
		if err != nil {
			WriteRequestError(w, err)
			return
		}
		fh, ctx := f.File("up"), r.Context()
		w = w.Detach()
		close(parsed)
		go func() {
			defer w.Finish()
			<-ctx.Done()
			_, err := fh.Open()
			openErr <- err
		}()
	}))
	ct, body := multipartBody(t, multipartPart{"up", "u.bin", strings.Repeat("u", 4096)})
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(nc, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ct, len(body), body)
	select {
	case <-parsed:
	case <-time.After(guard):
		t.Fatal("handler did not run")
	}
	if n := countFiles(tmp); n != 1 {
		t.Fatalf("%d files while the handler holds the form, want 1", n)
	}
	_ = nc.(*net.TCPConn).SetLinger(0) // a reset: the connection dies at once
	_ = nc.Close()
	select {
	case err := <-openErr:
		if !errors.Is(err, errSpillRemoved) {
			t.Fatalf("Open after the connection died: %v, want errSpillRemoved", err)
		}
	case <-time.After(guard):
		t.Fatal("handler's context not cancelled")
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left after the connection died", n)
	}
}

// streamForm is a StreamingHandler that parses the body with ReadForm as
// it arrives.
type streamForm struct {
	opts FormOptions
	tmp  string
}

func (h streamForm) ServeHTTP(w *ResponseWriter, r *Request) {
	h.ServeStream(w, r, r.BodyReader())
}

func (h streamForm) ServeStream(w *ResponseWriter, r *Request, body io.ReadCloser) {
	ct := string(r.Header("Content-Type"))
	w = w.Detach()
	go func() {
		defer w.Finish()
		f, err := ReadForm(w, body, ct, h.opts)
		if err != nil {
			w.Close() // the rest of the body is not read: end the connection
			WriteRequestError(w, err)
			return
		}
		formSummary(w, f, h.tmp)
	}()
}

// TestReadFormStreamed: a large upload parsed while it streams in spills
// and is cleaned up; an endless streamed part is cut off with 413.
func TestReadFormStreamed(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := startServer(t, streamForm{opts: FormOptions{MaxMemory: 1 << 10, MaxBytes: 4 << 20}, tmp: tmp})
	big := strings.Repeat("s", 3<<20)
	ct, body := multipartBody(t, multipartPart{"name", "", "up"}, multipartPart{"big", "big.bin", big})
	code, out, h := postForm(t, s, ct, body)
	if code != 200 || !strings.Contains(out, fmt.Sprintf(`"size":%d`, len(big))) || !strings.Contains(out, `"name":"up"`) || h.Get("X-Temp-Files") != "1" {
		t.Fatalf("%d %q (temp files %s)", code, out, h.Get("X-Temp-Files"))
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left", n)
	}

	// An endless part, chunked: the server must answer 413 while the
	// client is still sending.
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(guard))
	fmt.Fprintf(nc, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n")
	head := "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n"
	fmt.Fprintf(nc, "%x\r\n%s\r\n", len(head), head)
	go func() {
		chunk := []byte(fmt.Sprintf("%x\r\n%s\r\n", 64<<10, strings.Repeat("e", 64<<10)))
		for {
			if _, err := nc.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := nethttp.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.Contains(string(b), "multipart body over 4194304 bytes") {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left after the endless part", n)
	}
}

// checkMultipartAgainstStd parses body with ReadForm (nil writer) and
// mime/multipart's ReadForm: both refuse it, or both give the same values
// and files.
func checkMultipartAgainstStd(t testing.TB, boundary string, body []byte, maxMemory int64) {
	t.Helper()
	f, err := ReadForm(nil, bytes.NewReader(body), "multipart/form-data; boundary="+fmt.Sprintf("%q", boundary), FormOptions{MaxMemory: maxMemory})
	std, stdErr := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(maxMemory)
	if f != nil {
		defer f.RemoveAll()
	}
	if std != nil {
		defer std.RemoveAll()
	}
	if (err == nil) != (stdErr == nil) {
		t.Fatalf("body %q: ours %v, mime/multipart %v", body, err, stdErr)
	}
	if err != nil {
		return
	}
	values := map[string][]string{}
	f.Each(func(k, v string) bool { values[k] = append(values[k], v); return true })
	if len(values) != 0 || len(std.Value) != 0 {
		if !reflect.DeepEqual(values, std.Value) {
			t.Fatalf("body %q: values %q, mime/multipart %q", body, values, std.Value)
		}
	}
	n := 0
	for name, fhs := range std.File {
		ours := f.Files(name)
		if len(ours) != len(fhs) {
			t.Fatalf("body %q: %d files %q, mime/multipart %d", body, len(ours), name, len(fhs))
		}
		for i, sfh := range fhs {
			n++
			o := ours[i]
			if o.Filename != sfh.Filename || o.Size != sfh.Size {
				t.Fatalf("body %q: file %q/%q size %d, mime/multipart %q size %d", body, name, o.Filename, o.Size, sfh.Filename, sfh.Size)
			}
			a, b := readAllFile(t, o.Open), readAllFile(t, sfh.Open)
			if !bytes.Equal(a, b) {
				t.Fatalf("body %q: file %q content differs", body, name)
			}
		}
	}
	if n != len(f.AllFiles()) {
		t.Fatalf("body %q: %d files, mime/multipart %d", body, len(f.AllFiles()), n)
	}
}

func readAllFile(t testing.TB, open func() (multipart.File, error)) []byte {
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// TestMultipartDifferential drives ReadForm and mime/multipart with
// generated bodies: fields, files (some past MaxMemory), odd headers,
// missing pieces.
func TestMultipartDifferential(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rng := rand.New(rand.NewSource(2))
	pieces := []string{"--B\r\n", "Content-Disposition: form-data; name=\"a\"\r\n", "Content-Disposition: form-data; name=\"f\"; filename=\"x/y.txt\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; filename=\"\"\r\n", "Content-Type: text/plain\r\n", "\r\n", "value", strings.Repeat("L", 100),
		"\r\n--B--\r\n", "\r\n--B\r\n", "--B--", "Content-Transfer-Encoding: quoted-printable\r\n", "=41=\r\n", "X: \r\n", "\n"}
	for range 3000 {
		var b strings.Builder
		b.WriteString("--B\r\n")
		for n := rng.Intn(14); n > 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		checkMultipartAgainstStd(t, "B", []byte(b.String()), int64(rng.Intn(200)))
	}
	ct, body := multipartBody(t, multipartPart{"a", "", "1"}, multipartPart{"a", "", "2"}, multipartPart{"f", "f.txt", strings.Repeat("F", 500)})
	_ = ct
	checkMultipartAgainstStd(t, multipartBoundary(body), body, 100)
}

// FuzzMultipartForm: for any body, ReadForm never panics and agrees with
// mime/multipart's ReadForm on whether it is a form and what it holds.
func FuzzMultipartForm(f *testing.F) {
	f.Add("B", []byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--B--\r\n"), int64(10))
	f.Add("B", []byte("--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\n\r\ncontent\r\n--B--\r\n"), int64(2))
	f.Add("xyz", []byte("--xyz\r\n\r\n--xyz--"), int64(0))
	f.Fuzz(func(t *testing.T, boundary string, body []byte, maxMemory int64) {
		if boundary == "" || len(boundary) > 70 || maxMemory < 0 || maxMemory > 1<<20 {
			return
		}
		for _, c := range []byte(boundary) {
			if c < '0' || c > 'z' {
				return
			}
		}
		checkMultipartAgainstStd(t, boundary, body, maxMemory)
	})
}

// FuzzURLEncodedForm: a urlencoded body never panics the parser, and the
// form holds what url.ParseQuery finds.
func FuzzURLEncodedForm(f *testing.F) {
	f.Add([]byte("a=1&b=2&a=3"))
	f.Add([]byte("x=%zz&y=%41;z"))
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := ReadForm(nil, bytes.NewReader(body), "application/x-www-form-urlencoded", FormOptions{})
		if err != nil {
			if StatusOf(err) != 413 {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		checkParamsAgainstStd(t, string(form.Raw()))
		if !bytes.Equal(form.Raw(), body) {
			t.Fatal("raw differs")
		}
	})
}

// TestFormWorkerPool: a handler on the worker pool parses a form off the
// loop; its spilled files go when the pool finishes the response.
func TestFormWorkerPool(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := startServer(t, HandlerFunc(func(w *ResponseWriter, r *Request) {
		f, err := r.FormWith(FormOptions{MaxMemory: 16})
		if err != nil {
			WriteRequestError(w, err)
			return
		}
		formSummary(w, f, tmp)
	}), WithWorkers(2, 8))
	ct, body := multipartBody(t, multipartPart{"up", "u.bin", strings.Repeat("u", 4096)})
	code, out, h := postForm(t, s, ct, body)
	if code != 200 || !strings.Contains(out, `"memory":false`) || h.Get("X-Temp-Files") != "1" {
		t.Fatalf("%d %q (temp files %s)", code, out, h.Get("X-Temp-Files"))
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left after the pool finished", n)
	}
}

// TestReadFormClientDiesMidUpload: a client that resets the connection in
// the middle of a streamed file leaves no temporary file behind.
func TestReadFormClientDiesMidUpload(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	errs := make(chan error, 1)
	started := make(chan struct{}, 1)
	s := startServer(t, streamFunc(func(w *ResponseWriter, r *Request, body io.ReadCloser) {
		ct := string(r.Header("Content-Type"))
		w = w.Detach()
		go func() {
			defer w.Finish()
			_, err := ReadForm(w, io.TeeReader(body, signalWriter(started)), ct, FormOptions{MaxMemory: 1 << 10})
			errs <- err
		}()
	}))
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	head := "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n" + strings.Repeat("d", 64<<10)
	fmt.Fprintf(nc, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n%s", 6<<20, head)
	select {
	case <-started:
	case <-time.After(guard):
		t.Fatal("no body read")
	}
	waitFor(t, "the spill file", func() bool { return countFiles(tmp) == 1 })
	_ = nc.(*net.TCPConn).SetLinger(0)
	_ = nc.Close()
	select {
	case err := <-errs:
		if err == nil || !errors.Is(err, ErrBodyAborted) {
			t.Fatalf("ReadForm: %v, want ErrBodyAborted", err)
		}
	case <-time.After(guard):
		t.Fatal("ReadForm did not return")
	}
	if n := countFiles(tmp); n != 0 {
		t.Fatalf("%d files left", n)
	}
}

type streamFunc func(w *ResponseWriter, r *Request, body io.ReadCloser)

func (f streamFunc) ServeHTTP(w *ResponseWriter, r *Request) {
	f(w, r, r.BodyReader())
}
func (f streamFunc) ServeStream(w *ResponseWriter, r *Request, body io.ReadCloser) { f(w, r, body) }

// signalWriter signals (once, without blocking) that bytes went by.
type signalWriter chan struct{}

func (s signalWriter) Write(p []byte) (int, error) {
	select {
	case s <- struct{}{}:
	default:
	}
	return len(p), nil
}
