package http

import (
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// ResponseController's read deadline: a body Read that would wait past it
// fails with os.ErrDeadlineExceeded; moving the deadline lets the handler
// read on, and bytes that came in time are never lost.
func TestAdapterReadDeadline(t *testing.T) {
	expired := make(chan struct{})
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		rc := nethttp.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		first, err := io.ReadAll(r.Body)
		close(expired)
		if err := rc.SetReadDeadline(time.Time{}); err != nil {
			t.Errorf("clear deadline: %v", err)
		}
		rest, err2 := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s|%v|%s|%v", first, errors.Is(err, os.ErrDeadlineExceeded), rest, err2)
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")
	select {
	case <-expired:
	case <-time.After(guard):
		t.Fatal("the read deadline never ended the handler's Read")
	}
	c.send("def")
	if r := c.expectStatus("POST", 200); r.body != "abc|true|def|<nil>" {
		t.Fatalf("body %q", r.body)
	}
}

// ResponseController's write deadline: a handler writing to a client that
// does not read gets os.ErrDeadlineExceeded instead of waiting for ever,
// and the connection is closed (the response can not be completed).
func TestAdapterWriteDeadline(t *testing.T) {
	result := make(chan error, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		rc := nethttp.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
			result <- err
			return
		}
		result <- writeChunks(w, rc, 4096) // 256 MiB: far beyond every buffer on the way
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(get("/"))
	select {
	case err := <-result:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write error %v, want a deadline", err)
		}
	case <-time.After(guard):
		t.Fatal("the write deadline never ended the handler's Write")
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.Copy(io.Discard, c.nc); err != nil && !isReset(err) {
		t.Fatalf("after the deadline: %v, want the connection closed", err)
	}
}

// FlushError and EnableFullDuplex are there, so ResponseController does not
// report ErrNotSupported; the handler reads its body after flushing.
func TestAdapterResponseController(t *testing.T) {
	flushed := make(chan struct{})
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		rc := nethttp.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		_, _ = io.WriteString(w, "head;")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		close(flushed)
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %v", b, err)
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
	<-flushed // the handler flushes before the body
	c.send("body")
	if r := c.expectStatus("POST", 200); r.body != "head;body <nil>" {
		t.Fatalf("body %q", r.body)
	}
}

// A handler that sends its head before reading an Expect: 100-continue
// body: no 100 may follow the final response's head (RFC 9110 15.2; it
// used to land inside the chunked body). The handler still gets the body
// if the client sends it anyway, and the connection ends after the
// response, as with net/http.
func TestAdapterNo100AfterHead(t *testing.T) {
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.WriteHeader(200)
		w.(nethttp.Flusher).Flush()
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %q %v", b, err)
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	var head strings.Builder
	for !strings.HasSuffix(head.String(), "\r\n\r\n") { // the final head goes out first
		line, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatalf("head %q: %v", head.String()+line, err)
		}
		head.WriteString(line)
	}
	c.send("hello") // sent anyway, as curl does after a second
	// The connection ends after the response when the handler asked for
	// the body before it came (the client may be waiting for its 100), and
	// may stay open when the body came first: read to the last chunk.
	var rest strings.Builder
	for !strings.HasSuffix(rest.String(), "\r\n0\r\n\r\n") {
		line, err := c.br.ReadString('\n')
		rest.WriteString(line)
		if err != nil {
			t.Fatalf("response %q: %v", head.String()+rest.String(), err)
		}
	}
	raw := head.String() + rest.String()
	if strings.Contains(string(raw), " 100 ") || !strings.HasPrefix(string(raw), "HTTP/1.1 200 ") {
		t.Fatalf("response %q: a 100 after the final head", raw)
	}
	if !strings.Contains(string(raw), `got "hello" <nil>`) {
		t.Fatalf("response %q: the handler did not get the body", raw)
	}
}

// A write deadline moved from another goroutine while a Write waits (a
// timer extending it, the net/http pattern) is the one that counts. The
// wait's hook hands each move over to another goroutine and resumes once
// it is made: the first wait gets a near deadline, the wait that follows
// it extends it, so both land inside the wait whatever the machine's
// load; the client reads only after the near deadline has passed.
func TestAdapterWriteDeadlineExtended(t *testing.T) {
	result := make(chan error, 1)
	near := make(chan time.Time, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		rc := nethttp.NewResponseController(w)
		w.(*stdWriter).wdl.waitHook = handOver(
			func() {
				dl := time.Now().Add(300 * time.Millisecond)
				_ = rc.SetWriteDeadline(dl)
				near <- dl
			},
			func() { _ = rc.SetWriteDeadline(time.Now().Add(guard)) },
		)
		result <- writeChunks(w, rc, 96) // 6 MiB, past every buffer: the client reads it only after the near deadline
	})
	s := startServer(t, Adapt(h))
	c := dialSmallWindow(t, s)
	c.send(get("/"))
	var dl time.Time
	select {
	case dl = <-near:
	case <-time.After(guard):
		t.Fatal("the Write never waited for the client: nothing was tested")
	}
	time.Sleep(time.Until(dl) + 50*time.Millisecond) // a lower bound only
	// Reading 6 MiB under -race on a loaded machine can take longer than
	// guard: the read's bound is a failure bound only, so it is generous.
	_ = c.nc.SetReadDeadline(time.Now().Add(4 * guard))
	resp, err := nethttp.ReadResponse(c.br, &nethttp.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if werr := <-result; werr != nil || err != nil || resp.StatusCode != 200 || n != 6<<20 {
		t.Fatalf("write error %v, status %d, %d bytes read (%v)", werr, resp.StatusCode, n, err)
	}
}

// writeChunks writes n chunks of 64 KiB and flushes; it returns the first
// error.
func writeChunks(w nethttp.ResponseWriter, rc *nethttp.ResponseController, n int) error {
	chunk := []byte(strings.Repeat("x", 64<<10))
	for range n {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return rc.Flush()
}
