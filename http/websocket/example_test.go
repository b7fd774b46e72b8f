package websocket_test

import (
	"context"
	"fmt"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// Example serves an echo endpoint and talks to it with Dial.
func Example() {
	rt := http.NewRouter()
	echo := &websocket.Options{
		Compression: true,
		Handler: websocket.Handler{
			OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
				_ = c.Send(typ, data)
			},
		},
	}
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) {
		_, _ = websocket.Upgrade(w, r, echo)
	})
	srv := http.NewServer(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer srv.Close()

	got := make(chan string)
	closed := make(chan int)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := websocket.Dial(ctx, "ws://"+srv.Addr().String()+"/ws/echo", &websocket.DialOptions{
		Options: websocket.Options{
			Compression: true,
			Handler: websocket.Handler{
				OnMessage: func(_ *websocket.Conn, typ websocket.MessageType, data []byte) {
					got <- typ.String() + " " + string(data)
				},
				OnClose: func(_ *websocket.Conn, code int, _ string) { closed <- code },
			},
		},
	})
	if err != nil {
		panic(err)
	}
	_ = c.SendText("hello")
	fmt.Println(<-got)
	_ = c.SendBinary([]byte("bytes"))
	fmt.Println(<-got)
	_ = c.Close(websocket.CloseNormal, "bye")
	fmt.Println("closed with", <-closed)
	// Output:
	// text hello
	// binary bytes
	// closed with 1000
}
