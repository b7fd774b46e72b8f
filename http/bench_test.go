package http

import "testing"

// wrkRequest is what wrk sends by default.
var wrkRequest = []byte("GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")

// techEmpowerRequest is the plaintext/JSON benchmark request shape.
var techEmpowerRequest = []byte("GET /plaintext HTTP/1.1\r\n" +
	"Host: server\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20130501 Firefox/30.0 AppleWebKit/600.00 Chrome/30.0.0000.0 Trident/10.0 Safari/600.00\r\n" +
	"Cookie: uid=12345678901234567890; __utma=1.1234567890.1234567890.1234567890.1234567890.12; wd=2560x1600\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate\r\n" +
	"Cache-Control: no-cache\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n")

func benchParse(b *testing.B, in []byte) {
	var p parser
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		p.Reset()
		req, err := p.Parse(in)
		if err != nil || req == nil || !req.KeepAlive() {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseWrkGET(b *testing.B)      { benchParse(b, wrkRequest) }
func BenchmarkParseTechEmpower(b *testing.B) { benchParse(b, techEmpowerRequest) }

func BenchmarkChunkedDecode(b *testing.B) {
	in := []byte("400\r\n" + string(make([]byte, 1024)) + "\r\n400;x=y\r\n" + string(make([]byte, 1024)) + "\r\n0\r\n\r\n")
	buf := make([]byte, len(in))
	var d chunkedDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		copy(buf, in)
		d.Reset(Limits{})
		if done, err := d.Decode(buf); !done || err != nil {
			b.Fatal(err)
		}
	}
}
