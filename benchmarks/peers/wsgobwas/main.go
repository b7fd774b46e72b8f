// Command wsgobwas is the gobwas/ws peer, used the way its README
// recommends for many connections: ws.Upgrade straight on the net.Conn
// (zero-copy handshake, no net/http), then the low-level frame API
// (ws.ReadHeader, ws.Cipher, ws.WriteHeader) with one reused payload
// buffer per connection, one goroutine per connection. Control frames:
// pings are answered, a close is echoed and ends the connection.
package main

import (
	"bufio"
	"flag"
	"io"
	"log"
	"net"
	"os"
	"os/signal"

	"github.com/gobwas/ws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
}

func serve(c net.Conn) {
	defer c.Close()
	if _, err := ws.Upgrade(c); err != nil {
		return
	}
	r := bufio.NewReaderSize(c, 512)
	var payload []byte
	for {
		h, err := ws.ReadHeader(r)
		if err != nil {
			return
		}
		if !h.Masked || !h.Fin || h.Length > 16<<20 {
			_ = ws.WriteFrame(c, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusProtocolError, "")))
			return
		}
		if int64(cap(payload)) < h.Length {
			payload = make([]byte, h.Length)
		}
		p := payload[:h.Length]
		if _, err := io.ReadFull(r, p); err != nil {
			return
		}
		ws.Cipher(p, h.Mask, 0)
		switch h.OpCode {
		case ws.OpPing:
			h.OpCode = ws.OpPong
		case ws.OpPong:
			continue
		case ws.OpClose:
			_ = ws.WriteFrame(c, ws.NewCloseFrame(p))
			return
		}
		h.Masked = false
		if err := ws.WriteHeader(c, h); err != nil {
			return
		}
		if _, err := c.Write(p); err != nil {
			return
		}
	}
}
