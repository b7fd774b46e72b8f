// Command nbhttp is the nbio peer: one poller goroutine serving an
// http.Handler. With -inline (the default) handlers run on the poller itself
// instead of nbio's task pool, which is the closest nbio gets to a
// single-threaded reactor like muduo-go's.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"

	"github.com/lesismal/nbio/nbhttp"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/httpfix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "listen address")
	loops := flag.Int("loops", 1, "poller goroutines")
	inline := flag.Bool("inline", true, "run handlers on the poller goroutine")
	flag.Parse()
	conf := nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{*addr},
		NPoller: *loops,
		Handler: httpfix.Handler("nbhttp"),
		IOMod:   nbhttp.IOModNonBlocking,
		MaxLoad: 1 << 20,
	}
	if *inline {
		conf.ServerExecutor = func(f func()) { f() }
	}
	e := nbhttp.NewEngine(conf)
	if err := e.Start(); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	e.Stop()
}
