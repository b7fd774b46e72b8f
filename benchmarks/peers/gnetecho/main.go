// Command gnetecho is the gnet v2 echo peer: one event loop, multicore off, so
// it is compared like-for-like with a single-loop muduo-go server.
package main

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"
)

type echo struct{ gnet.BuiltinEventEngine }

// OnTraffic writes back everything that was read; gnet buffers the write and
// flushes it at the end of the loop iteration.
func (*echo) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen address")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()
	err := gnet.Run(&echo{}, "tcp://"+*addr,
		gnet.WithMulticore(false), gnet.WithNumEventLoop(*loops),
		gnet.WithReusePort(false), gnet.WithTCPNoDelay(gnet.TCPNoDelay))
	if err != nil {
		log.Fatal(err)
	}
}
