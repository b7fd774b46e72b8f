package interop

import (
	"bytes"
	nethttp "net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TestAdapterWebSocket runs gorilla/websocket, the most used Go WebSocket
// library, on both ends: its Upgrader behind the net/http adapter (through
// http.Hijacker) and its Dialer as the client. Messages of every size come
// back intact and in order, and the close handshake completes.
func TestAdapterWebSocket(t *testing.T) {
	up := websocket.Upgrader{}
	done := make(chan error, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			done <- err
			return
		}
		defer ws.Close()
		for {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				done <- nil // the client's close frame ends the loop
				return
			}
			if err := ws.WriteMessage(mt, msg); err != nil {
				done <- err
				return
			}
		}
	})
	s := startServer(t, http.Adapt(h))
	d := websocket.Dialer{HandshakeTimeout: guard}
	ws, resp, err := d.Dial("ws://"+s.Addr().String()+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	if resp.StatusCode != nethttp.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", resp.StatusCode)
	}
	_ = ws.SetReadDeadline(time.Now().Add(guard))
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		msg := bytes.Repeat([]byte{byte('a' + n%26)}, n)
		if err := ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			t.Fatalf("write %d bytes: %v", n, err)
		}
		mt, got, err := ws.ReadMessage()
		if err != nil || mt != websocket.BinaryMessage || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: type %d, %d bytes, %v", n, mt, len(got), err)
		}
	}
	// Many small messages written back to back: order holds.
	for i := range 200 {
		if err := ws.WriteMessage(websocket.TextMessage, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		if _, got, err := ws.ReadMessage(); err != nil || len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("message %d: %v %v", i, got, err)
		}
	}
	if err := ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server side: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("server handler did not end after the close frame")
	}
}
