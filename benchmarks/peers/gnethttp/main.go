// Command gnethttp ("gnet-min") is gnet v2 with the least HTTP a benchmark
// client accepts: find each CRLFCRLF, look at the path, append a fixed
// response. It shows what a reactor costs with parsing taken out of the
// picture; it does not support request bodies.
package main

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/httpfix"
)

type server struct {
	gnet.BuiltinEventEngine
	out []byte // scratch shared by all conns: safe only with a single event loop
}

// OnTraffic answers every complete request in the inbound buffer with one
// Write, so pipelined requests cost one send.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	out, consumed := httpfix.AnswerAll(s.out[:0], "gnet-min", buf)
	if consumed > 0 {
		_, _ = c.Discard(consumed)
		_, _ = c.Write(out)
	}
	s.out = out
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8084", "listen address")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()
	httpfix.StartDateClock()
	if *loops != 1 {
		log.Fatal("gnet-min shares one scratch buffer and needs -loops 1")
	}
	err := gnet.Run(&server{}, "tcp://"+*addr,
		gnet.WithMulticore(false), gnet.WithNumEventLoop(1),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay))
	if err != nil {
		log.Fatal(err)
	}
}
