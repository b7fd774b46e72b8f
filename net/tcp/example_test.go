package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Example is muduo's echo server: the message callback runs on the
// connection's loop with the bytes read so far, sends them back and
// consumes them. Start returns once the server listens; Shutdown drains
// and stops it.
func Example() {
	srv := tcp.NewServer(tcp.WithName("echo"), tcp.WithLoops(1))
	srv.SetCallbacks(tcp.Callbacks{
		Connection: func(c *tcp.Conn) {
			if c.Connected() {
				c.SetData(time.Now()) // per-connection state, loop only
			}
		},
		Message: func(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
			_ = c.Send(in.Peek()) // writes at once or copies
			in.RetrieveAll()
		},
	})
	if err := srv.Start("127.0.0.1:0"); err != nil { // ListenAndServe blocks instead
		log.Fatal(err)
	}
	defer srv.Shutdown(context.Background())

	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "hello, muduo\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output: hello, muduo
}
