package http

import (
	"strings"
	"testing"
)

// decodeSplit decodes body fed as body[:split] then the whole, each time in
// a fresh array, as a glue whose buffer moves would. The decoded prefix
// written in place is carried over, as it is in a real buffer.
func decodeSplit(d *chunkedDecoder, body string, split int) (done bool, decoded string, consumed int, err error) {
	buf := []byte(body[:split])
	if done, err = d.Decode(buf); err != nil || done {
		return done, string(buf[:d.Len()]), d.Consumed(), err
	}
	moved := append(append([]byte(nil), buf...), body[split:]...)
	done, err = d.Decode(moved)
	return done, string(moved[:d.Len()]), d.Consumed(), err
}

func TestChunkedGood(t *testing.T) {
	tests := []struct{ name, in, out string }{
		{"simple", "5\r\nhello\r\n0\r\n\r\n", "hello"},
		{"several", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world"},
		{"hex upper and lower", "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij"},
		{"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"},
		{"extensions", "5;a=b\r\nhello\r\n6 ; x ; y = \"q \\\" ;\" ;z=1\r\n world\r\n0;last\r\n\r\n", "hello world"},
		{"trailers", "3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:  1 \r\n\r\n", "abc"},
		{"empty body", "0\r\n\r\n", ""},
		{"binary data with CRLF inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in + "GET /next" // pipelined bytes must be left alone
			for split := 0; split <= len(in); split++ {
				var d chunkedDecoder
				done, out, consumed, err := decodeSplit(&d, in, split)
				if err != nil || !done || out != tc.out || consumed != len(tc.in) {
					t.Fatalf("split %d: done=%v out=%q consumed=%d err=%v", split, done, out, consumed, err)
				}
			}
		})
	}
}

func TestChunkedBytewise(t *testing.T) {
	in := "5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n"
	var d chunkedDecoder
	buf := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		buf = append(buf, in[i])
		done, err := d.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		if done != (i == len(in)-1) {
			t.Fatalf("done=%v at byte %d", done, i)
		}
		if d.Len() > d.Consumed() || d.Consumed() > len(buf) {
			t.Fatalf("offsets out of bounds: len %d consumed %d buffered %d", d.Len(), d.Consumed(), len(buf))
		}
	}
	if string(buf[:d.Len()]) != "hello world" {
		t.Fatalf("decoded %q", buf[:d.Len()])
	}
}

func TestChunkedBad(t *testing.T) {
	small := Limits{MaxBodyBytes: 10, MaxHeaderBytes: 32}
	tests := []struct {
		name, in string
		lim      Limits
		status   int
	}{
		{"non-hex size", "x\r\n", Limits{}, 400},
		{"empty size", "\r\nabc", Limits{}, 400},
		{"negative size", "-5\r\nhello\r\n", Limits{}, 400},
		{"size overflow", "10000000000000000\r\n", Limits{}, 400},
		{"size space", "5 \r\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"size bare LF", "5\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"size bare CR", "5\rhello\r\n0\r\n\r\n", Limits{}, 400},
		{"data without CRLF", "5\r\nhelloX\r\n0\r\n\r\n", Limits{}, 400},
		{"data with bare LF", "5\r\nhello\n0\r\n\r\n", Limits{}, 400},
		{"data CR then junk", "5\r\nhello\rX0\r\n\r\n", Limits{}, 400},
		{"ext without name", "5;\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"ext without semicolon", "5 a\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"ext unterminated quote", "5;a=\"b\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"ext empty value", "5;a=\r\nhello\r\n0\r\n\r\n", Limits{}, 400},
		{"ext too long", "5;a=" + strings.Repeat("b", maxChunkLineBytes), Limits{}, 400},
		{"trailer obs-fold", "0\r\nA: b\r\n c\r\n\r\n", Limits{}, 400},
		{"trailer bad name", "0\r\nA b: c\r\n\r\n", Limits{}, 400},
		{"trailer bare LF", "0\r\nA: b\n\r\n", Limits{}, 400},
		{"trailer too large", "0\r\nA: " + strings.Repeat("b", 40), small, 431},
		{"body too large at once", "b\r\n", small, 413},
		{"body too large in sum", "5\r\n12345\r\n6\r\n", small, 413},
		{"size far too large", "fffffffffffffff\r\n", Limits{}, 413},
		{"overhead too large", strings.Repeat("1;"+strings.Repeat("e", 4000)+"\r\nx\r\n", 20), Limits{MaxBodyBytes: 1000}, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step := 1 + len(tc.in)/500 // every split point of short inputs
			for split := 0; split <= len(tc.in); split += step {
				d := newChunkedDecoder(tc.lim)
				done, _, _, err := decodeSplit(d, tc.in, split)
				if done || StatusOf(err) != tc.status || err == nil {
					t.Fatalf("split %d: done=%v err=%v, want %d", split, done, err, tc.status)
				}
				if _, err2 := d.Decode([]byte(tc.in)); err2 != err {
					t.Fatal("failed decoder did not stay failed")
				}
			}
		})
	}
}

// TestRequestWithChunkedBody runs the glue's whole sequence: head, chunked
// body decoded in the same buffer, then the next pipelined request.
func TestRequestWithChunkedBody(t *testing.T) {
	in := []byte(head("POST /up HTTP/1.1", "Host: a", "Transfer-Encoding: chunked") +
		"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" + head("GET /next HTTP/1.1", "Host: a"))
	var p parser
	var d chunkedDecoder
	req, err := p.Parse(in)
	if err != nil || !req.isChunked() {
		t.Fatal(err)
	}
	body := in[req.headLength():]
	if done, err := d.Decode(body); !done || err != nil {
		t.Fatal(done, err)
	}
	if string(body[:d.Len()]) != "abcde" {
		t.Fatalf("body %q", body[:d.Len()])
	}
	rest := body[d.Consumed():]
	p.Reset()
	d.Reset(Limits{})
	if req, err = p.Parse(rest); err != nil || string(req.Path()) != "/next" {
		t.Fatal(err)
	}
}

func TestChunkedNoAlloc(t *testing.T) {
	in := []byte("5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n")
	buf := make([]byte, len(in))
	var d chunkedDecoder
	if n := testing.AllocsPerRun(100, func() {
		copy(buf, in)
		d.Reset(Limits{})
		if done, err := d.Decode(buf); !done || err != nil {
			panic(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
