// Command idleconns opens N TCP connections to a server and holds them idle
// so the runner can read the server's VmRSS with and without them. By default
// each connection first does one small echo round trip (-ping bytes), so a
// server that allocates buffers lazily is measured as it is after it has
// served the connection once; -ping 0 measures never-used connections.
//
// With -ws PATH each connection upgrades to WebSocket at PATH first, and
// the echo is one masked binary frame answered by one binary frame.
//
// Output: "HELD n" once every connection is open (and pinged), then it waits
// for stdin to close or -hold to pass.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/wsframe"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "server address")
	n := flag.Int("n", 10000, "connections")
	ping := flag.Int("ping", 64, "bytes to echo once per connection (0: never write)")
	hold := flag.Duration("hold", 5*time.Minute, "give up holding after this long")
	wsPath := flag.String("ws", "", "upgrade to WebSocket at this path first")
	flag.Parse()
	raiseNofile(uint64(*n) + 100)

	conns := make([]net.Conn, 0, *n)
	msg := bytes.Repeat([]byte{'x'}, *ping)
	back := make([]byte, *ping)
	out := msg
	if *wsPath != "" {
		out = wsframe.AppendClientFrame(nil, msg, [4]byte{1, 2, 3, 4})
		back = make([]byte, wsframe.ServerHeaderLen(*ping)+*ping)
	}
	for i := 0; i < *n; i++ {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("dial %d: %v", i, err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if *wsPath != "" {
			if err := wsframe.Handshake(c, *addr, *wsPath); err != nil {
				log.Fatalf("conn %d: %v", i, err)
			}
		}
		if *ping > 0 {
			if _, err := c.Write(out); err != nil {
				log.Fatalf("write %d: %v", i, err)
			}
			_, err := io.ReadFull(c, back)
			if ok := err == nil && (*wsPath == "" && bytes.Equal(back, msg) || *wsPath != "" && wsframe.CheckServerFrame(back, msg)); !ok {
				log.Fatalf("echo %d: %v", i, err)
			}
		}
		_ = c.SetDeadline(time.Time{})
		conns = append(conns, c)
	}
	fmt.Printf("HELD %d\n", len(conns))
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(*hold):
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// raiseNofile lifts the soft RLIMIT_NOFILE towards want (up to the hard limit).
func raiseNofile(want uint64) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return
	}
	if r.Cur >= want {
		return
	}
	r.Cur = min(want, r.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur < want {
		log.Printf("RLIMIT_NOFILE is %d, below the %d needed; raise the hard limit (ulimit -Hn)", r.Cur, want)
	}
}
