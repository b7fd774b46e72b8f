package main

import (
	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// wsEchoOptions is GET /ws/echo's: every text and binary message back
// unchanged, permessage-deflate accepted. An echo holds nothing a
// cross-site page could abuse, so every Origin is accepted (a browser test
// page may be opened from anywhere, file:// included).
var wsEchoOptions = &websocket.Options{
	Compression: true,
	CheckOrigin: func(*http.Request) bool { return true },
	Handler: websocket.Handler{
		OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
			_ = c.Send(typ, data)
		},
	},
}

func wsEcho(w *http.ResponseWriter, r *http.Request) {
	_, _ = websocket.Upgrade(w, r, wsEchoOptions)
}
