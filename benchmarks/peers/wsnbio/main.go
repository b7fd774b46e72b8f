// Command wsnbio is the nbio peer: nbhttp on one poller serves GET
// /ws/echo with nbio's websocket.Upgrader, whose OnMessage echoes every
// message; handlers and message callbacks run inline on the poller, the
// closest nbio gets to muduo-go's single-threaded loop (as peers/nbhttp).
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	loops := flag.Int("loops", 1, "poller goroutines")
	flag.Parse()
	up := websocket.NewUpgrader()
	up.CheckOrigin = func(*http.Request) bool { return true }
	up.OnMessage(func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
		_ = c.WriteMessage(typ, data)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/echo", func(w http.ResponseWriter, r *http.Request) {
		_, _ = up.Upgrade(w, r, nil)
	})
	e := nbhttp.NewEngine(nbhttp.Config{
		Network:        "tcp",
		Addrs:          []string{*addr},
		NPoller:        *loops,
		Handler:        mux,
		IOMod:          nbhttp.IOModNonBlocking,
		MaxLoad:        1 << 20,
		ServerExecutor: func(f func()) { f() },
	})
	if err := e.Start(); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	e.Stop()
}
