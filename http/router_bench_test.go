package http

import "testing"

// BenchmarkRouterPlaintext: the Router's share of the plaintext benchmark
// (testRouter's routes, GET /plaintext), resolve and dispatch to a handler
// that does nothing. It uses only API the first Router had, so the same
// file measures both.
func BenchmarkRouterPlaintext(b *testing.B) {
	nop := func(*ResponseWriter, *Request) {}
	rt := NewRouter()
	rt.GET("/plaintext", nop)
	rt.GET("/json", nop)
	rt.POST("/echo", nop)
	rt.HandlePrefix("", "/r/", HandlerFunc(nop))
	rt.GET("/big", nop)
	var p parser
	r, err := p.Parse([]byte("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"))
	if err != nil {
		b.Fatal(err)
	}
	w := new(ResponseWriter)
	b.ReportAllocs()
	for b.Loop() {
		rt.ServeHTTP(w, r)
	}
}
