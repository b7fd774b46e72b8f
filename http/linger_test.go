package http

import (
	"bufio"
	"bytes"
	"io"
	"net"
	stdhttp "net/http"
	"testing"
	"time"
)

// TestCloseResponseToSlowReader: a large response that ends the
// connection (HTTP/1.0, or Connection: close) reaches a client that reads
// slowly, whole, although reading it takes far longer than the linger:
// the linger counts from when the last byte left, not from when the
// response was handed over (it used to cut the body after 2 s).
func TestCloseResponseToSlowReader(t *testing.T) {
	const size = 4 << 20
	const linger = 20 * time.Millisecond
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	rt := NewRouter()
	rt.GET("/big", func(w *ResponseWriter, r *Request) { _, _ = w.Write(body) })
	s := startServer(t, rt, WithLingerTimeout(linger))
	for _, req := range []string{
		"GET /big HTTP/1.0\r\n\r\n",
		"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	} {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.(*net.TCPConn).SetReadBuffer(16 << 10)
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReaderSize(&slowReader{r: c, pauses: 8, pause: 2 * linger}, 16<<10)
		resp, err := stdhttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%q: %d of %d bytes, %v", req, len(got), size, err)
		}
	}
}

// slowReader pauses before each of its first reads.
type slowReader struct {
	r      io.Reader
	pauses int
	pause  time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.pauses > 0 {
		s.pauses--
		time.Sleep(s.pause)
	}
	return s.r.Read(p)
}
