package interop

import (
	"bufio"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seed08ffa9f8/muduo-go/http"
	mws "github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// BenchmarkEchoRoundTrip compares one echo round trip over loopback, the
// same raw client against the native server (one loop) and against
// gorilla/websocket on net/http (a goroutine per connection). Both run in
// this process, so allocs/op are the servers'. Not pinned: the CPU
// comparison belongs to benchmarks/; this shows the allocation side and a
// rough latency.
func BenchmarkEchoRoundTrip(b *testing.B) {
	native := func(b *testing.B) string {
		opts := &mws.Options{Handler: mws.Handler{OnMessage: func(c *mws.Conn, typ mws.MessageType, data []byte) { _ = c.Send(typ, data) }}}
		rt := http.NewRouter()
		rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) { _, _ = mws.Upgrade(w, r, opts) })
		s := http.NewServer(rt, http.WithLoops(1))
		if err := s.Start("127.0.0.1:0"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s.Addr().String()
	}
	gorilla := func(b *testing.B) string {
		up := websocket.Upgrader{}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &nethttp.Server{Handler: nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			ws, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer ws.Close()
			for {
				mt, msg, err := ws.ReadMessage()
				if err != nil || ws.WriteMessage(mt, msg) != nil {
					return
				}
			}
		})}
		go func() { _ = srv.Serve(ln) }()
		b.Cleanup(func() { _ = srv.Close() })
		return ln.Addr().String()
	}
	for _, size := range []int{64, 4096} {
		for _, srv := range []struct {
			name  string
			start func(*testing.B) string
		}{{"native", native}, {"gorilla", gorilla}} {
			b.Run(fmt.Sprintf("%s-%d", srv.name, size), func(b *testing.B) {
				addr := srv.start(b)
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(time.Minute))
				fmt.Fprintf(c, "GET /ws/echo HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						b.Fatal(err)
					}
					if line == "\r\n" {
						break
					}
				}
				frame := []byte{0x82, 0x80 | 126, byte(size >> 8), byte(size), 0, 0, 0, 0}
				if size < 126 {
					frame = []byte{0x82, 0x80 | byte(size), 0, 0, 0, 0}
				}
				frame = append(frame, make([]byte, size)...)
				back := make([]byte, len(frame)-4)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if _, err := c.Write(frame); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(r, back); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
