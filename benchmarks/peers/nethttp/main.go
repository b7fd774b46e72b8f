// Command nethttp is the net/http peer (goroutine per connection).
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/httpfix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, httpfix.Handler("nethttp")))
}
