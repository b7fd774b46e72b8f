package http

import (
	"bytes"
	"fmt"
	"testing"
)

// seeds are valid and invalid requests shared by both fuzz targets.
var seeds = []string{
	string(wrkRequest),
	string(techEmpowerRequest),
	"\r\n" + head("GET /a?b HTTP/1.1", "Host: a"),
	head("GET http://h:1/p?q HTTP/1.1", "Host: x"),
	head("CONNECT h:443 HTTP/1.1", "Host: h:443"),
	head("OPTIONS * HTTP/1.1", "Host: h"),
	head("GET / HTTP/1.0", "Connection: keep-alive"),
	head("POST /p HTTP/1.1", "Host: a", "Content-Length: 5") + "hello",
	head("POST /p HTTP/1.1", "Host: a", "Content-Length: 5, 5") + "hello",
	head("POST /p HTTP/1.1", "Host: a", "Transfer-Encoding: chunked") + "5;x=\"y\"\r\nhello\r\n0\r\nT: v\r\n\r\n",
	head("POST /p HTTP/1.1", "Host: a", "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n" + head("GET / HTTP/1.1", "Host: a"),
	head("POST /p HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked"),
	head("POST /p HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Content-Length: 3") + "abc",
	head("GET / HTTP/1.1", "Host: a", " folded"),
	head("GET / HTTP/1.1", "Host : a"),
	head("GET / HTTP/2.0", "Host: a"),
	head("GET / HTTP/1.10", "Host: a"),
	"GET / HTTP/1.1\nHost: a\n\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: \x00\r\n\r\n",
	"GET /\x7f HTTP/1.1\r\n",
	head("GET / HTTP/1.1", "Host: a", "Host: b"),
	head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked") + "ffffffffffffffffff\r\n",
	head("GET /%2F%41?a=%20 HTTP/1.2", "Host: a", "X: \xff\xfe", "x:  b  ", "Content-Length: 2", "Content-Length: 2") + "ok",
	head("GET http://a HTTP/1.1", "Host: a", "Expect: 100-continue"),
	head("GET /? HTTP/1.1", "Host:", "Connection: Upgrade", "Upgrade: h2c"),
	head("PUT /x HTTP/1.1", "Host: [::1]:80", "Transfer-Encoding: Chunked") + "A;a=\"b\\\"c\"\r\n0123456789\r\n0\r\nX: y\r\n\r\n",
}

// fuzzLimits are small so that every limit is reachable by the fuzzer.
var fuzzLimits = Limits{MaxTargetBytes: 48, MaxHeaderBytes: 256, MaxHeaderCount: 6, MaxBodyBytes: 64}

// outcome is everything observable about parsing one input, for comparing
// runs that fed it differently.
type outcome struct {
	err               error
	headLen           int
	method, target    string
	path, query, host string
	flags             uint32
	major, minor      int
	cl                int64
	hdrs              string
	bodyDone          bool
	body              string
	consumed          int
	bodyErr           error
	hasQuery          bool
}

func describe(t *testing.T, data []byte, req *Request, err error, lim Limits) outcome {
	if err != nil || req == nil {
		return outcome{err: err}
	}
	n := req.headLength()
	if n <= 0 || n > len(data) {
		t.Fatalf("HeadLen %d out of bounds [1,%d]", n, len(data))
	}
	o := outcome{headLen: n, method: req.Method(), target: string(req.Target()), path: string(req.Path()),
		query: string(req.RawQuery()), host: string(req.Host()), flags: req.flags, cl: req.ContentLength(),
		hasQuery: req.RawQuery() != nil}
	o.major, o.minor = req.Proto()
	var hb bytes.Buffer
	for i := 0; i < req.NumHeaders(); i++ {
		k, v := req.HeaderAt(i)
		fmt.Fprintf(&hb, "%q:%q\n", k, v)
	}
	o.hdrs = hb.String()
	if req.isChunked() {
		body := append([]byte(nil), data[n:]...)
		d := newChunkedDecoder(lim)
		o.bodyDone, o.bodyErr = d.Decode(body)
		if d.Len() > d.Consumed() || d.Consumed() > len(body) {
			t.Fatalf("decoder offsets out of bounds: %d %d %d", d.Len(), d.Consumed(), len(body))
		}
		o.body, o.consumed = string(body[:d.Len()]), d.Consumed()
	}
	return o
}

// FuzzParse checks that no input panics, that offsets stay in bounds, and
// that the result does not depend on how the input was split across reads
// (including the buffer moving between reads).
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		if len(data) > 4096 {
			return
		}
		k := int(split) % (len(data) + 1)
		p := newParser(fuzzLimits)
		req, err := p.Parse(data)
		whole := describe(t, data, req, err, fuzzLimits)

		p2 := newParser(fuzzLimits)
		first := append([]byte(nil), data[:k]...)
		req, err = p2.Parse(first)
		if err != nil || req != nil {
			// Decided early: the whole input must decide the same way.
			if got := describe(t, first, req, err, fuzzLimits); err != whole.err || (req != nil && got.headLen != whole.headLen) {
				t.Fatalf("prefix %d decided %v/%d, whole %v/%d", k, err, got.headLen, whole.err, whole.headLen)
			}
			return
		}
		moved := append([]byte(nil), data...)
		req, err = p2.Parse(moved)
		if split := describe(t, moved, req, err, fuzzLimits); split != whole {
			t.Fatalf("split at %d differs:\n split %+v\n whole %+v", k, split, whole)
		}

		// Chunked bodies must also decode the same when split.
		if whole.err == nil && whole.flags&flChunked != 0 {
			body := data[whole.headLen:]
			bk := int(split) % (len(body) + 1)
			d := newChunkedDecoder(fuzzLimits)
			done, out, consumed, err := decodeSplit(d, string(body), bk)
			if done != whole.bodyDone || err != whole.bodyErr || (done && (out != whole.body || consumed != whole.consumed)) {
				t.Fatalf("chunked split at %d: %v %q %d %v, whole %v %q %d %v", bk, done, out, consumed, err,
					whole.bodyDone, whole.body, whole.consumed, whole.bodyErr)
			}
		}
	})
}
