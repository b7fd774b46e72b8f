// Command fasthttp is the fasthttp peer (goroutine per connection, pooled
// request contexts: the fastest "ordinary" Go HTTP server).
package main

import (
	"encoding/json"
	"flag"
	"log"

	"github.com/valyala/fasthttp"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/httpfix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "listen address")
	flag.Parse()
	s := &fasthttp.Server{Name: "fasthttp", Handler: handle, Concurrency: 1 << 20}
	log.Fatal(s.ListenAndServe(*addr))
}

func handle(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/plaintext":
		ctx.SetContentType("text/plain")
		ctx.SetBodyString(httpfix.Plaintext)
	case "/json":
		b, _ := json.Marshal(httpfix.Message{Message: "Hello, World!"})
		ctx.SetContentType("application/json")
		ctx.SetBody(b)
	default:
		ctx.SetStatusCode(fasthttp.StatusNotFound)
	}
}
