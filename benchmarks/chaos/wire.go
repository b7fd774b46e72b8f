package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// response is one HTTP response as it came off the wire.
type response struct {
	raw        []byte // head and body, exactly as read
	statusLine string
	headers    [][2]string
	body       []byte
}

func (r *response) header(name string) (string, int) {
	v, n := "", 0
	for _, h := range r.headers {
		if strings.EqualFold(h[0], name) {
			v, n = h[1], n+1
		}
	}
	return v, n
}

var errNoResponse = errors.New("connection closed before a response")

// readResponse reads one response. head: the request was HEAD (no body
// follows whatever Content-Length says).
func readResponse(br *bufio.Reader, head bool) (*response, error) {
	r := &response{}
	for {
		line, err := br.ReadSlice('\n')
		r.raw = append(r.raw, line...)
		if err != nil {
			if len(r.raw) == 0 {
				return r, errNoResponse
			}
			return r, fmt.Errorf("reading head: %v", err)
		}
		if len(r.raw) > 32<<10 {
			return r, errors.New("response head over 32 KiB")
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			return r, errors.New("head line not ending in CRLF")
		}
		s := string(line[:len(line)-2])
		if r.statusLine == "" {
			r.statusLine = s
			continue
		}
		if s == "" {
			break
		}
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			return r, fmt.Errorf("malformed header line %q", s)
		}
		r.headers = append(r.headers, [2]string{k, strings.TrimLeft(v, " ")})
	}
	cl, n := r.header("Content-Length")
	if n == 0 || head {
		return r, nil
	}
	size, err := strconv.Atoi(cl)
	if err != nil || size < 0 || size > 64<<20 {
		return r, fmt.Errorf("bad Content-Length %q", cl)
	}
	start := len(r.raw)
	r.raw = append(r.raw, make([]byte, size)...)
	if _, err := ioReadFull(br, r.raw[start:]); err != nil {
		return r, fmt.Errorf("reading %d-byte body: %v", size, err)
	}
	r.body = r.raw[start:]
	return r, nil
}

func ioReadFull(br *bufio.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := br.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// expect is what a response must be, byte for byte except Date.
type expect struct {
	status   string // e.g. "200 OK"
	ctype    string // "" = no Content-Type
	body     []byte
	head     bool   // HEAD: Content-Length of body, but no body bytes
	close    bool   // "Connection: close" expected
	noLength bool   // no Content-Length (204)
	extra    string // one more header expected, "Name: value"
	// reasonLine: body is the start of a one-line error body, "<status>:
	// <reason>\n", whose reason depends on which check the input failed.
	reasonLine bool
}

// check compares r with e: the status line, exactly the expected set of
// headers with their values (Date must parse and be near now), the body.
func (e *expect) check(r *response) error {
	if want := "HTTP/1.1 " + e.status; r.statusLine != want {
		return fmt.Errorf("status line %q, want %q", r.statusLine, want)
	}
	want := map[string]string{"server": "muduo-go", "date": ""}
	if e.ctype != "" {
		want["content-type"] = e.ctype
	}
	if !e.noLength && !e.reasonLine {
		want["content-length"] = strconv.Itoa(len(e.body))
	}
	if e.reasonLine {
		// The reason, and so the length, depends on the check that failed:
		// the field must be there and match the body read.
		want["content-length"] = strconv.Itoa(len(r.body))
	}
	if e.close {
		want["connection"] = "close"
	}
	if e.extra != "" {
		k, v, _ := strings.Cut(e.extra, ": ")
		want[strings.ToLower(k)] = v
	}
	seen := map[string]bool{}
	for _, h := range r.headers {
		k := strings.ToLower(h[0])
		w, ok := want[k]
		switch {
		case !ok:
			return fmt.Errorf("unexpected header %s: %s", h[0], h[1])
		case seen[k]:
			return fmt.Errorf("header %s twice", h[0])
		case k == "date":
			t, err := http.ParseTime(h[1])
			if err != nil || h[1] != t.UTC().Format(http.TimeFormat) {
				return fmt.Errorf("bad Date %q", h[1])
			}
			if d := time.Since(t); d > time.Minute || d < -time.Minute {
				return fmt.Errorf("header Date %q is %v off", h[1], d)
			}
		case h[1] != w:
			return fmt.Errorf("header %s: %q, want %q", h[0], h[1], w)
		}
		seen[k] = true
	}
	for k := range want {
		if !seen[k] {
			return fmt.Errorf("missing header %s", k)
		}
	}
	if e.head {
		if len(r.body) != 0 {
			return fmt.Errorf("HEAD response with %d body bytes", len(r.body))
		}
		return nil
	}
	if e.reasonLine {
		if !bytes.HasPrefix(r.body, e.body) || bytes.IndexByte(r.body, '\n') != len(r.body)-1 {
			return fmt.Errorf("body %q is not one line starting %q", r.body, e.body)
		}
		return nil
	}
	if !bytes.Equal(r.body, e.body) {
		return fmt.Errorf("body differs (%d bytes, want %d)", len(r.body), len(e.body))
	}
	return nil
}

// httpReq is one well-formed request and the response it must get.
type httpReq struct {
	wire []byte
	exp  expect
}

const (
	plainBody = "Hello, World!"
	jsonBody  = `{"message":"Hello, World!"}`
)

var contentTypes = []string{"text/plain", "application/octet-stream", "application/json", "image/png", ""}

// randomHTTPReq builds one of the documented requests at random: GET/HEAD
// /plaintext, GET /json, POST /echo (Content-Length or chunked).
func randomHTTPReq(rng *rnd, closeConn bool) httpReq {
	conn := ""
	if closeConn {
		conn = "Connection: close\r\n"
	}
	var r httpReq
	switch rng.Intn(6) {
	case 0, 1:
		r.wire = []byte("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n" + conn + "\r\n")
		r.exp = expect{status: "200 OK", ctype: "text/plain", body: []byte(plainBody)}
	case 2:
		r.wire = []byte("HEAD /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n" + conn + "\r\n")
		r.exp = expect{status: "200 OK", ctype: "text/plain", body: []byte(plainBody), head: true}
	case 3, 4:
		r.wire = []byte("GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + conn + "\r\n")
		r.exp = expect{status: "200 OK", ctype: "application/json", body: []byte(jsonBody)}
	default:
		body := rng.bytes(rng.sizes(0, 64, 4096, 65536))
		ct := contentTypes[rng.Intn(len(contentTypes))]
		return echoReq(rng, body, ct, rng.Intn(3) == 0, conn)
	}
	r.exp.close = closeConn
	return r
}

// echoReq builds POST /echo of body, chunked (in random pieces) or not.
func echoReq(rng *rnd, body []byte, ct string, chunked bool, conn string) httpReq {
	var w bytes.Buffer
	w.WriteString("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n" + conn)
	if ct != "" {
		w.WriteString("Content-Type: " + ct + "\r\n")
	}
	if chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 1+rng.Intn(8192))
			fmt.Fprintf(&w, "%x\r\n", n)
			w.Write(rest[:n])
			w.WriteString("\r\n")
			rest = rest[n:]
		}
		w.WriteString("0\r\n\r\n")
	} else {
		fmt.Fprintf(&w, "Content-Length: %d\r\n\r\n", len(body))
		w.Write(body)
	}
	return httpReq{wire: w.Bytes(), exp: expect{status: "200 OK", ctype: ct, body: body, close: conn != ""}}
}
