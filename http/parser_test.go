package http

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unsafe"
)

// feedWhole parses data in one call.
func feedWhole(p *parser, data []byte) (*Request, error) { return p.Parse(data) }

// feedMoving parses data one byte at a time, handing the parser a fresh copy
// of the prefix each time, as a glue whose buffer grows and moves would.
func feedMoving(p *parser, data []byte) (*Request, error) {
	for i := 1; i <= len(data); i++ {
		req, err := p.Parse(append([]byte(nil), data[:i]...))
		if req != nil || err != nil {
			req2, err2 := p.Parse(data) // rebind to the caller's bytes
			return req2, errors.Join(err, err2)
		}
	}
	return nil, nil
}

func head(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n\r\n" }

func TestBadRequests(t *testing.T) {
	long := strings.Repeat("a", DefaultMaxTargetBytes)
	tests := []struct {
		name, in string
		status   int
	}{
		{"no version", "GET /\r\n\r\n", 400},
		{"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
		{"empty method", " / HTTP/1.1\r\n\r\n", 400},
		{"method bad token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"method with NUL", "G\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"method too long", strings.Repeat("X", 65) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 501},
		{"target CTL", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"target DEL", "GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"target fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"target non-ASCII", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"target too long", "GET /" + long + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"target too long no CRLF yet", "GET /" + long, 414},
		{"version HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"version HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
		{"version HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
		{"version HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
		{"version HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400},
		{"version lowercase", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
		{"version garbage", "GET / HTTP/x.y\r\nHost: a\r\n\r\n", 400},
		{"request line bare LF", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
		{"request line bare CR", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
		{"field line bare LF", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400},
		{"final bare LF", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
		{"leading bare LF", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"leading bare CR", "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"space before colon", head("GET / HTTP/1.1", "Host : a"), 400},
		{"tab before colon", head("GET / HTTP/1.1", "Host\t: a"), 400},
		{"obs-fold", head("GET / HTTP/1.1", "Host: a", "X: b", " c"), 400},
		{"space before first field", head("GET / HTTP/1.1", " Host: a"), 400},
		{"field name bad token", head("GET / HTTP/1.1", "Host: a", "X(y): b"), 400},
		{"field without colon", head("GET / HTTP/1.1", "Host: a", "Xy"), 400},
		{"empty field name", head("GET / HTTP/1.1", "Host: a", ": b"), 400},
		{"NUL in value", head("GET / HTTP/1.1", "Host: a", "X: a\x00b"), 400},
		{"bare CR in value", head("GET / HTTP/1.1", "Host: a", "X: a\rb"), 400},
		{"CTL in value", head("GET / HTTP/1.1", "Host: a", "X: a\x1bb"), 400},
		{"host missing 1.1", head("GET / HTTP/1.1", "X: a"), 400},
		{"host repeated", head("GET / HTTP/1.1", "Host: a", "Host: a"), 400},
		{"host repeated 1.0", head("GET / HTTP/1.0", "Host: a", "host: b"), 400},
		{"host invalid", head("GET / HTTP/1.1", "Host: a b"), 400},
		{"host userinfo", head("GET / HTTP/1.1", "Host: u@a"), 400},
		{"TE and CL", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Content-Length: 5"), 400},
		{"TE in 1.0", head("POST / HTTP/1.0", "Transfer-Encoding: chunked"), 400},
		{"TE final gzip", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip"), 400},
		{"TE chunked then gzip", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, gzip"), 400},
		{"TE chunked line then gzip line", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip"), 400},
		{"TE gzip, chunked", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked"), 501},
		{"TE chunked twice", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, chunked"), 400},
		{"TE chunked twice lines", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), 400},
		{"TE empty", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: "), 400},
		{"TE chunked with param", head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked;x=1"), 400},
		{"CL negative", head("POST / HTTP/1.1", "Host: a", "Content-Length: -1"), 400},
		{"CL plus", head("POST / HTTP/1.1", "Host: a", "Content-Length: +1"), 400},
		{"CL non-digit", head("POST / HTTP/1.1", "Host: a", "Content-Length: 1a"), 400},
		{"CL hex", head("POST / HTTP/1.1", "Host: a", "Content-Length: 0x5"), 400},
		{"CL empty", head("POST / HTTP/1.1", "Host: a", "Content-Length: "), 400},
		{"CL inner space", head("POST / HTTP/1.1", "Host: a", "Content-Length: 1 2"), 400},
		{"CL overflow", head("POST / HTTP/1.1", "Host: a", "Content-Length: 99999999999999999999"), 400},
		{"CL differing list", head("POST / HTTP/1.1", "Host: a", "Content-Length: 5, 6"), 400},
		{"CL differing lines", head("POST / HTTP/1.1", "Host: a", "Content-Length: 5", "Content-Length: 6"), 400},
		{"CL empty element", head("POST / HTTP/1.1", "Host: a", "Content-Length: 5,"), 400},
		{"CL too large", head("POST / HTTP/1.1", "Host: a", "Content-Length: 8388609"), 413},
		{"too many headers", head("GET / HTTP/1.1", "Host: a"+strings.Repeat("\r\nX: y", DefaultMaxHeaderCount)), 431},
		{"header section too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("y", DefaultMaxHeaderBytes), 431},
		{"authority-form with GET", head("GET example.com:80 HTTP/1.1", "Host: a"), 400},
		{"CONNECT origin-form", head("CONNECT /x HTTP/1.1", "Host: a"), 400},
		{"CONNECT without port", head("CONNECT example.com HTTP/1.1", "Host: a"), 400},
		{"CONNECT absolute-form", head("CONNECT http://a:80/ HTTP/1.1", "Host: a"), 400},
		{"asterisk with GET", head("GET * HTTP/1.1", "Host: a"), 400},
		{"asterisk with suffix", head("OPTIONS *x HTTP/1.1", "Host: a"), 400},
		{"absolute userinfo", head("GET http://u:p@a/ HTTP/1.1", "Host: a"), 400},
		{"absolute empty authority", head("GET http:///x HTTP/1.1", "Host: a"), 400},
		{"absolute without authority", head("GET urn:x HTTP/1.1", "Host: a"), 400},
		{"absolute bad scheme", head("GET 1ttp://a/ HTTP/1.1", "Host: a"), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, feed := range []func(*parser, []byte) (*Request, error){feedWhole, feedMoving} {
				var p parser
				req, err := feed(&p, []byte(tc.in))
				if err == nil {
					t.Fatalf("accepted %q (req=%v)", tc.in, req != nil)
				}
				var e *Error
				if !errors.As(err, &e) || e.Status != tc.status || StatusOf(err) != tc.status {
					t.Fatalf("got %v, want status %d", err, tc.status)
				}
				// A failed parser stays failed until Reset.
				if _, err2 := p.Parse([]byte(tc.in)); !errors.Is(err2, e) {
					t.Fatalf("second call: %v, want %v", err2, e)
				}
			}
		})
	}
}

type want struct {
	method, target, path, query, host string
	hasQuery                          bool
	minor                             int
	keepAlive, chunked, expect, upg   bool
	cl                                int64
	headers                           int
}

func TestGoodRequests(t *testing.T) {
	tests := []struct {
		name, in string
		w        want
	}{
		{"origin", head("GET /a/b?x=1&y HTTP/1.1", "Host: example.com:8080"),
			want{method: "GET", target: "/a/b?x=1&y", path: "/a/b", query: "x=1&y", hasQuery: true, host: "example.com:8080", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"empty query", head("GET /?  HTTP/1.1", "Host: a"), want{}}, // placeholder replaced below
		{"absolute", head("GET http://Example.com:80/p?q HTTP/1.1", "Host: other"),
			want{method: "GET", target: "http://Example.com:80/p?q", path: "/p", query: "q", hasQuery: true, host: "Example.com:80", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"absolute no path", head("OPTIONS http://a.b HTTP/1.1", "Host: a.b"),
			want{method: "OPTIONS", target: "http://a.b", path: "/", host: "a.b", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"absolute query no path", head("GET https://a?x HTTP/1.1", "Host: a"),
			want{method: "GET", target: "https://a?x", path: "/", query: "x", hasQuery: true, host: "a", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"authority CONNECT", head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"),
			want{method: "CONNECT", target: "example.com:443", host: "example.com:443", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"authority CONNECT ipv6", head("CONNECT [::1]:443 HTTP/1.1", "Host: [::1]:443"),
			want{method: "CONNECT", target: "[::1]:443", host: "[::1]:443", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"asterisk", head("OPTIONS * HTTP/1.1", "Host: a"),
			want{method: "OPTIONS", target: "*", path: "*", host: "a", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"1.1 close", head("GET / HTTP/1.1", "Host: a", "Connection: foo, Close"),
			want{method: "GET", target: "/", path: "/", host: "a", minor: 1, cl: -1, headers: 2}},
		{"1.0 default close, no host", head("GET / HTTP/1.0"),
			want{method: "GET", target: "/", path: "/", minor: 0, cl: -1}},
		{"1.0 keep-alive", head("GET / HTTP/1.0", "Connection: Keep-Alive"),
			want{method: "GET", target: "/", path: "/", minor: 0, keepAlive: true, cl: -1, headers: 1}},
		{"1.0 keep-alive and close", head("GET / HTTP/1.0", "Connection: keep-alive", "Connection: close"),
			want{method: "GET", target: "/", path: "/", minor: 0, cl: -1, headers: 2}},
		{"1.0 ignores expect", head("POST / HTTP/1.0", "Expect: 100-continue", "Content-Length: 0"),
			want{method: "POST", target: "/", path: "/", minor: 0, cl: 0, headers: 2}},
		{"1.2 served as 1.1", head("GET / HTTP/1.2", "Host: a"),
			want{method: "GET", target: "/", path: "/", host: "a", minor: 2, keepAlive: true, cl: -1, headers: 1}},
		{"leading empty lines", "\r\n\r\n" + head("GET / HTTP/1.1", "Host: a"),
			want{method: "GET", target: "/", path: "/", host: "a", minor: 1, keepAlive: true, cl: -1, headers: 1}},
		{"chunked expect upgrade", head("POST /u HTTP/1.1", "host: a", "transfer-encoding: ,Chunked", "Expect: 100-Continue", "Connection: Upgrade", "Upgrade: websocket"),
			want{method: "POST", target: "/u", path: "/u", host: "a", minor: 1, keepAlive: true, chunked: true, expect: true, upg: true, cl: -1, headers: 5}},
		{"expect in a list", head("POST /u HTTP/1.1", "Host: a", "Expect: foo, 100-continue", "Content-Length: 1"),
			want{method: "POST", target: "/u", path: "/u", host: "a", minor: 1, keepAlive: true, expect: true, cl: 1, headers: 3}},
		{"expect other only", head("POST /u HTTP/1.1", "Host: a", "Expect: 100-continuex", "Content-Length: 1"),
			want{method: "POST", target: "/u", path: "/u", host: "a", minor: 1, keepAlive: true, cl: 1, headers: 3}},
		{"identical CL", head("PUT /x HTTP/1.1", "Host: a", "Content-Length: 5, 5", "Content-Length: 005"),
			want{method: "PUT", target: "/x", path: "/x", host: "a", minor: 1, keepAlive: true, cl: 5, headers: 3}},
		{"extension method, OWS, obs-text", head("PURGE /x HTTP/1.1", "Host:a", "X-A: \t v \xff \t"),
			want{method: "PURGE", target: "/x", path: "/x", host: "a", minor: 1, keepAlive: true, cl: -1, headers: 2}},
		{"empty host 1.1", head("GET / HTTP/1.1", "Host:"),
			want{method: "GET", target: "/", path: "/", minor: 1, keepAlive: true, cl: -1, headers: 1}},
	}
	tests[1].w = want{method: "GET", target: "/?", path: "/", hasQuery: true, host: "a", minor: 1, keepAlive: true, cl: -1, headers: 1}
	tests[1].in = head("GET /? HTTP/1.1", "Host: a")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, feed := range []func(*parser, []byte) (*Request, error){feedWhole, feedMoving} {
				var p parser
				data := []byte(tc.in + "BODY")
				req, err := feed(&p, data)
				if err != nil || req == nil {
					t.Fatalf("feed %d: req=%v err=%v", i, req, err)
				}
				checkReq(t, req, tc.w)
				if req.headLength() != len(tc.in) {
					t.Fatalf("HeadLen %d, want %d", req.headLength(), len(tc.in))
				}
			}
		})
	}
}

func checkReq(t *testing.T, r *Request, w want) {
	t.Helper()
	major, minor := r.Proto()
	got := want{r.Method(), string(r.Target()), r.PathString(), r.RawQueryString(), string(r.Host()), r.RawQuery() != nil,
		minor, r.KeepAlive(), r.isChunked(), r.ExpectContinue(), r.IsUpgrade(), r.ContentLength(), r.NumHeaders()}
	if got != w || major != 1 {
		t.Fatalf("got  %+v\nwant %+v", got, w)
	}
	if w.method == "CONNECT" != r.IsConnect() {
		t.Fatal("IsConnect wrong")
	}
}

func TestHeaderAccessors(t *testing.T) {
	in := head("GET /p HTTP/1.1", "Host: a", "Accept: x", "X-Multi: 1", "x-multi:  2 ", "Cookie: c=1")
	var p parser
	req, err := p.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if v := req.Header("ACCEPT"); string(v) != "x" {
		t.Fatalf("Header = %q", v)
	}
	if req.Header("Missing") != nil {
		t.Fatal("missing header found")
	}
	var vals []string
	for i := req.HeaderIndex("X-MULTI", 0); i >= 0; i = req.HeaderIndex("x-multi", i+1) {
		n, v := req.HeaderAt(i)
		vals = append(vals, string(n)+"="+string(v))
	}
	if strings.Join(vals, ",") != "X-Multi=1,x-multi=2" {
		t.Fatalf("values %v", vals)
	}
	if m := req.Method(); unsafe.StringData(m) != unsafe.StringData(methodNames[mGET]) {
		t.Fatal("GET not interned")
	}
	// Clone owns its memory: scribbling over the input must not show.
	c := req.Clone()
	buf := []byte(in)
	copy(buf, in)
	req.rebind(buf)
	for i := range buf {
		buf[i] = 'Z'
	}
	if string(c.Path()) != "/p" || string(c.Header("cookie")) != "c=1" || c.Method() != "GET" || string(c.Host()) != "a" {
		t.Fatalf("clone corrupted: %q %q", c.Path(), c.Header("cookie"))
	}
	if string(req.Path()) != "ZZ" {
		t.Fatalf("Rebind not honoured: %q", req.Path())
	}
	// Allocation-free accessors.
	req.rebind([]byte(in))
	if n := testing.AllocsPerRun(100, func() {
		_ = req.Header("cookie")
		_ = req.Method()
		_ = req.PathString()
		_ = req.RawQueryString()
	}); n != 0 {
		t.Fatalf("accessors allocate: %v", n)
	}
}

func TestPipelined(t *testing.T) {
	var all []byte
	for i := 0; i < 100; i++ {
		if i%2 == 0 {
			all = append(all, head("GET /"+strings.Repeat("x", i)+" HTTP/1.1", "Host: h")...)
		} else {
			all = append(all, head("POST /p HTTP/1.1", "Host: h", "Content-Length: 3")+"abc"...)
		}
	}
	var p parser
	data := all
	for i := 0; i < 100; i++ {
		req, err := p.Parse(data)
		if err != nil || req == nil {
			t.Fatalf("request %d: %v %v", i, req, err)
		}
		n := req.headLength()
		if i%2 == 0 {
			if len(req.Path()) != i+1 || req.ContentLength() != -1 {
				t.Fatalf("request %d: path %q", i, req.Path())
			}
		} else {
			if req.Method() != "POST" || req.ContentLength() != 3 || string(data[n:n+3]) != "abc" {
				t.Fatalf("request %d: bad body framing", i)
			}
			n += 3
		}
		data = data[n:] // the glue consumes the request
		p.Reset()
	}
	if len(data) != 0 {
		t.Fatalf("%d bytes left", len(data))
	}
}

// TestBytewiseLinear feeds a request one byte per call and checks that the
// total work (bytes examined) stays linear: a slowloris client must not
// cost O(n^2).
func TestBytewiseLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("GET /" + strings.Repeat("p", 4000) + " HTTP/1.1\r\nHost: a\r\n")
	for i := 0; i < 50; i++ {
		b.WriteString("X-H: " + strings.Repeat("v", 1000) + "\r\n")
	}
	b.WriteString("\r\n")
	in := []byte(b.String())

	var whole parser
	wreq, err := whole.Parse(in)
	if err != nil || wreq == nil {
		t.Fatal(err)
	}
	var p parser
	var req *Request
	for i := 1; i <= len(in) && req == nil; i++ {
		if req, err = p.Parse(in[:i]); err != nil {
			t.Fatal(err)
		}
	}
	if req == nil || req.headLength() != len(in) || req.NumHeaders() != wreq.NumHeaders() ||
		!bytes.Equal(req.Path(), wreq.Path()) {
		t.Fatal("bytewise result differs from whole")
	}
	if p.scanned > 2*len(in) || whole.scanned > 2*len(in) {
		t.Fatalf("scanned %d (whole %d) bytes for a %d-byte head", p.scanned, whole.scanned, len(in))
	}
}

func TestReuseNoAlloc(t *testing.T) {
	in := []byte(head("GET /x?y HTTP/1.1", "Host: a", "A: 1", "B: 2", "C: 3"))
	var p parser
	if n := testing.AllocsPerRun(100, func() {
		p.Reset()
		if req, err := p.Parse(in); err != nil || req == nil {
			panic(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocs per request", n)
	}
}

// TestStateSize pins the documented per-connection parser state. Fields the
// server glue appends to Request for its handlers are not parser state, so
// the request part is measured up to its last parser-owned field.
func TestStateSize(t *testing.T) {
	var r Request
	reqPart := unsafe.Offsetof(r.flags) + unsafe.Sizeof(r.flags)
	own := unsafe.Sizeof(parser{}) - unsafe.Sizeof(r) + (reqPart+7)/8*8
	if own > 176 {
		t.Fatalf("parser state is %d bytes; update the documented size", own)
	}
	if s := unsafe.Sizeof(chunkedDecoder{}); s > 64 {
		t.Fatalf("chunkedDecoder is %d bytes; update the documented size", s)
	}
}

func TestLimitsAndShrink(t *testing.T) {
	p := newParser(Limits{MaxTargetBytes: 4, MaxHeaderCount: 2, MaxHeaderBytes: 64, MaxBodyBytes: 10})
	if _, err := p.Parse([]byte("GET /abcd")); StatusOf(err) != 414 {
		t.Fatalf("target limit: %v", err)
	}
	p.Reset()
	if _, err := p.Parse([]byte(head("GET /abc HTTP/1.1", "Host: a", "X: b", "Y: c"))); StatusOf(err) != 431 {
		t.Fatalf("count limit: %v", err)
	}
	p.Reset()
	if _, err := p.Parse([]byte("GET / HTTP/1.1\r\nHost: " + strings.Repeat("a", 60))); StatusOf(err) != 431 {
		t.Fatalf("size limit: %v", err)
	}
	p.Reset()
	if _, err := p.Parse([]byte(head("POST / HTTP/1.1", "Host: a", "Content-Length: 11"))); StatusOf(err) != 413 {
		t.Fatalf("body limit: %v", err)
	}
	p.Reset()
	if req, err := p.Parse([]byte("GET / HT")); req != nil || err != nil {
		t.Fatal("incomplete head reported as done")
	}
	if _, err := p.Parse([]byte("GET")); StatusOf(err) != 500 {
		t.Fatalf("shrunk input: %v", err)
	}
}
