package websocket

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// rawServer accepts one connection, answers the handshake (accept computed
// from the client's key, extra fields appended) and hands the connection
// to serve.
func rawServer(t *testing.T, extra string, serve func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(guard))
		r := bufio.NewReader(c)
		var key string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Sec-WebSocket-Key") {
				key = strings.TrimSpace(v)
			}
			if line == "\r\n" {
				break
			}
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+acceptKey(key)+"\r\n"+extra+"\r\n")
		serve(c, r)
	}()
	return "ws://" + ln.Addr().String() + "/"
}

// TestClientStrict: the client fails the connection with 1002 for a
// masked server frame and for RSV1 without compression, and refuses a
// handshake answering an extension or subprotocol it did not offer.
func TestClientStrict(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"masked server frame", frame{fin: true, op: opText, payload: []byte("hi")}.encode(true)},
		{"RSV1 without compression", frame{fin: true, op: opText, rsv: bitRsv1, payload: []byte("hi")}.encode(false)},
		{"reserved opcode", frame{fin: true, op: 5}.encode(false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan int, 1)
			url := rawServer(t, "", func(c net.Conn, r *bufio.Reader) {
				_, _ = c.Write(tc.frame)
				var h [2]byte
				if _, err := io.ReadFull(r, h[:]); err != nil || h[0]&0x0F != opClose || h[1]&bitMask == 0 {
					got <- -1
					return
				}
				p := make([]byte, 4+int(h[1]&0x7F))
				_, _ = io.ReadFull(r, p)
				maskBytes([4]byte(p[:4]), 0, p[4:])
				got <- int(binary.BigEndian.Uint16(p[4:]))
			})
			rec := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			if _, err := Dial(ctx, url, &DialOptions{Options: Options{Handler: rec.handler(), CloseTimeout: 50 * time.Millisecond}}); err != nil {
				t.Fatal(err)
			}
			if code := <-got; code != CloseProtocolError {
				t.Fatalf("client sent close %d", code)
			}
			if ci := rec.waitClose(t); ci.code != CloseProtocolError {
				t.Fatalf("OnClose %+v", ci)
			}
		})
	}
	for _, extra := range []string{"Sec-WebSocket-Extensions: permessage-deflate\r\n", "Sec-WebSocket-Protocol: chat\r\n"} {
		url := rawServer(t, extra, func(net.Conn, *bufio.Reader) {})
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		_, err := Dial(ctx, url, nil)
		cancel()
		if err == nil {
			t.Fatalf("Dial accepted %q", extra)
		}
	}
}
