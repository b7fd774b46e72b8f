// Command compressjson serves GET /json: a 16 KiB JSON document (the same
// bytes every time) compressed for clients that accept gzip or zstd,
// either by muduo-go with middleware.Compress (-impl muduo, one event
// loop) or by net/http with klauspost's gzhttp (-impl gzhttp). Both
// compress with klauspost/compress with their defaults, which are the
// same (gzip's default level; zstd.SpeedFastest with a 128 KiB window),
// from a minimum size of 1 KiB: what cmd/compressbench compares is the
// server around the compressor.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	stdhttp "net/http"

	"github.com/klauspost/compress/gzhttp"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/middleware"
)

// Document returns the JSON document of about n bytes both servers send.
func document(n int) []byte {
	b := []byte(`{"items":[`)
	for i := 0; len(b) < n-40; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"id":%d,"name":"item-%x","ok":%t}`, i, i*2654435761%1000003, i%3 == 0)
	}
	return append(b, "]}"...)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", `listen address; "listening <address>" is printed once it is open`)
	impl := flag.String("impl", "muduo", "muduo (http + middleware.Compress) or gzhttp (net/http + gzhttp)")
	flag.Parse()
	doc := document(16 << 10)
	switch *impl {
	case "muduo":
		rt := http.NewRouter()
		rt.Use(middleware.Compress())
		rt.GET("/json", func(w *http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(doc)
		})
		srv := http.NewServer(rt, http.WithLoops(0))
		if err := srv.Start(*addr); err != nil {
			log.Fatal(err)
		}
		fmt.Println("listening", srv.Addr())
		select {}
	case "gzhttp":
		mux := stdhttp.NewServeMux()
		mux.Handle("GET /json", gzhttp.GzipHandler(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, _ *stdhttp.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(doc)
		})))
		l, err := net.Listen("tcp", *addr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("listening", l.Addr())
		log.Fatal(stdhttp.Serve(l, mux))
	default:
		log.Fatalf("-impl %q: want muduo or gzhttp", *impl)
	}
}
