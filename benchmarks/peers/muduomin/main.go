// Command muduomin ("muduo-min") is gnet-min's server on muduo-go's reactor
// and tcp package instead of gnet: find each CRLFCRLF, look at the path,
// append the same fixed response (package httpfix), one Send per read. Next
// to gnet-min it compares the two reactors on the same minimal job; next to
// muduo-go's httpserver it shows what full HTTP parsing, routing and
// response building cost on top of the reactor. It does not support request
// bodies.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/httpfix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8086", "listen address")
	flag.Parse()
	httpfix.StartDateClock()
	srv := tcp.NewServer(tcp.WithName("muduo-min"))
	// One loop runs every callback, so one scratch output buffer serves
	// every connection (as in gnet-min).
	var out []byte
	srv.SetMessageCallback(func(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
		var consumed int
		out, consumed = httpfix.AnswerAll(out[:0], "muduo-min", in.Peek())
		if consumed > 0 {
			in.Retrieve(consumed)
			_ = c.Send(out) // writes at once or copies: out is free again
		}
	})
	if err := srv.Start(*addr); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = srv.Close()
}
