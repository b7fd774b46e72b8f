package rpc_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// maskedText frames s as a client's text message.
func maskedText(s string) []byte {
	b := []byte{0x81}
	switch n := len(s); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	default:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	}
	key := []byte{1, 2, 3, 4}
	b = append(b, key...)
	for i := range len(s) {
		b = append(b, s[i]^key[i%4])
	}
	return b
}

// TestWebSocketSlowConsumer: a client that subscribes and never reads is
// closed with 1008 once its notification queue is full, the producer
// learns it from Notify, the stats count it, and the subscription ends
// with the connection.
func TestWebSocketSlowConsumer(t *testing.T) {
	srv := rpc.NewServer()
	defer srv.Close()
	notifyErr := make(chan error, 1)
	ended := make(chan struct{})
	payload := strings.Repeat("x", 1024)
	err := srv.RegisterSubscription("Flood.subscribe", "Flood.unsubscribe", "Flood.subscription",
		func(_ context.Context, sub *rpc.Subscription, _ []byte) error {
			go func() {
				for {
					if err := sub.Notify(payload); err != nil {
						notifyErr <- err
						<-sub.Done()
						close(ended)
						return
					}
				}
			}()
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	rt := http.NewRouter()
	rt.Handle("GET /ws", srv.WebSocketHandler(&rpc.WebSocketOptions{
		MaxQueuedNotifications: 100,
		Options:                websocket.Options{CloseTimeout: guard},
	}))
	hs := http.NewServer(rt, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer hs.Close()

	conn, err := net.Dial("tcp", hs.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	_, _ = conn.Write(maskedText(`{"jsonrpc":"2.0","id":1,"method":"Flood.subscribe"}`))
	// Never read: the server's queue fills.
	select {
	case err := <-notifyErr:
		if err != rpc.ErrSlowConsumer {
			t.Fatalf("Notify: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("the slow client was never cut off")
	}
	// Now read what was sent: the reply, notifications, and a 1008 close,
	// which this client answers.
	_ = conn.SetReadDeadline(time.Now().Add(guard))
	sawClose := false
	frames := 0
	for !sawClose {
		var h [2]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			t.Fatalf("stream ended without a close frame: %v", err)
		}
		n := int(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			_, _ = io.ReadFull(r, b[:])
			n = int(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			_, _ = io.ReadFull(r, b[:])
			n = int(binary.BigEndian.Uint64(b[:]))
		}
		frames++
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			t.Fatalf("the connection was cut before its close frame after %d frames (frame of %d, header %x): %v %+v", frames, n, h, err, srv.Stats().WebSocket)
		}
		if h[0]&0x0F == 0x8 {
			sawClose = true
			if code := binary.BigEndian.Uint16(p); code != websocket.ClosePolicyViolation {
				t.Fatalf("close code %d", code)
			}
			_, _ = conn.Write([]byte{0x88, 0x82, 0, 0, 0, 0, p[0], p[1]})
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}
	select {
	case <-ended:
	case <-time.After(guard):
		t.Fatal("the subscription did not end with the connection")
	}
	st := srv.Stats().WebSocket
	if st.SlowClosed != 1 || st.Subscriptions != 0 {
		t.Fatalf("stats %+v", st)
	}
}
