package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	nethttp "net/http"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/seed08ffa9f8/muduo-go/http"
	mws "github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// payloads are the messages every interop test echoes: empty, small,
// around the 7/16/64-bit length boundaries, compressible and not.
func payloads() [][]byte {
	var out [][]byte
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		out = append(out, bytes.Repeat([]byte("muduo-go "), n/9+1)[:n])
	}
	noise := make([]byte, 100000)
	for i := range noise {
		noise[i] = byte(i*7919 + i>>3)
	}
	return append(out, noise)
}

// startNativeEcho serves this module's /ws/echo on the loop.
func startNativeEcho(t *testing.T, takeover bool) string {
	opts := &mws.Options{Compression: true, ContextTakeover: takeover, Handler: mws.Handler{
		OnMessage: func(c *mws.Conn, typ mws.MessageType, data []byte) { _ = c.Send(typ, data) },
	}}
	rt := http.NewRouter()
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) { _, _ = mws.Upgrade(w, r, opts) })
	return "ws://" + startServer(t, rt).Addr().String() + "/ws/echo"
}

// TestGorillaClient: gorilla/websocket's Dialer, with and without its
// compression, against the native server.
func TestGorillaClient(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			url := startNativeEcho(t, false)
			d := websocket.Dialer{HandshakeTimeout: guard, EnableCompression: compress}
			ws, resp, err := d.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			if got := resp.Header.Get("Sec-WebSocket-Extensions") != ""; got != compress {
				t.Fatalf("extension answered: %q", resp.Header.Get("Sec-WebSocket-Extensions"))
			}
			_ = ws.SetReadDeadline(time.Now().Add(guard))
			for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
				for _, p := range payloads() {
					if typ == websocket.TextMessage && !isText(p) {
						continue
					}
					if err := ws.WriteMessage(typ, p); err != nil {
						t.Fatal(err)
					}
					mt, got, err := ws.ReadMessage()
					if err != nil || mt != typ || !bytes.Equal(got, p) {
						t.Fatalf("echo of %d bytes: type %d, %d bytes, %v", len(p), mt, len(got), err)
					}
				}
			}
			if err := ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "bye")); err != nil {
				t.Fatal(err)
			}
			_, _, err = ws.ReadMessage()
			if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4001 {
				t.Fatalf("close answer: %v", err)
			}
		})
	}
}

func isText(p []byte) bool { return bytes.Equal(bytes.ToValidUTF8(p, nil), p) }

// TestCoderClient: coder/websocket (formerly nhooyr.io/websocket), with
// its compression modes, against the native server with and without
// context takeover.
func TestCoderClient(t *testing.T) {
	for _, mode := range []struct {
		name     string
		mode     coder.CompressionMode
		takeover bool
	}{{"disabled", coder.CompressionDisabled, false}, {"no-context-takeover", coder.CompressionNoContextTakeover, false},
		{"context-takeover", coder.CompressionContextTakeover, true}} {
		t.Run(mode.name, func(t *testing.T) {
			url := startNativeEcho(t, mode.takeover)
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			c, _, err := coder.Dial(ctx, url, &coder.DialOptions{CompressionMode: mode.mode, CompressionThreshold: 1})
			if err != nil {
				t.Fatal(err)
			}
			c.SetReadLimit(4 << 20)
			for round := range 3 { // context takeover carries over messages
				for _, p := range payloads() {
					typ := coder.MessageBinary
					if round == 1 && isText(p) {
						typ = coder.MessageText
					}
					if err := c.Write(ctx, typ, p); err != nil {
						t.Fatal(err)
					}
					mt, got, err := c.Read(ctx)
					if err != nil || mt != typ || !bytes.Equal(got, p) {
						t.Fatalf("echo of %d bytes: type %v, %d bytes, %v", len(p), mt, len(got), err)
					}
				}
			}
			if err := c.Close(coder.StatusNormalClosure, "done"); err != nil {
				t.Fatalf("close handshake: %v", err)
			}
		})
	}
}

// TestClientAgainstGorillaServer: this module's Dial against a
// gorilla/websocket echo server on net/http, with compression.
func TestClientAgainstGorillaServer(t *testing.T) {
	up := websocket.Upgrader{EnableCompression: true}
	closed := make(chan int, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			mt, msg, err := ws.ReadMessage()
			if err != nil {
				if ce, ok := err.(*websocket.CloseError); ok {
					closed <- ce.Code
				}
				return
			}
			if err := ws.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &nethttp.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			got := make(chan []byte, 16)
			done := make(chan int, 1)
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			c, err := mws.Dial(ctx, "ws://"+ln.Addr().String()+"/", &mws.DialOptions{Options: mws.Options{
				Compression: compress,
				Handler: mws.Handler{
					OnMessage: func(_ *mws.Conn, _ mws.MessageType, data []byte) { got <- append([]byte(nil), data...) },
					OnClose:   func(_ *mws.Conn, code int, _ string) { done <- code },
				},
			}})
			if err != nil {
				t.Fatal(err)
			}
			if c.Compressed() != compress {
				t.Fatalf("compression negotiated %v", c.Compressed())
			}
			for _, p := range payloads() {
				_ = c.SendBinary(p)
				select {
				case g := <-got:
					if !bytes.Equal(g, p) {
						t.Fatalf("echo of %d bytes: %d bytes", len(p), len(g))
					}
				case <-time.After(guard):
					t.Fatalf("no echo of %d bytes", len(p))
				}
			}
			_ = c.Close(mws.CloseNormal, "")
			for _, ch := range []chan int{done, closed} {
				select {
				case code := <-ch:
					if code != mws.CloseNormal {
						t.Fatalf("close code %d", code)
					}
				case <-time.After(guard):
					t.Fatal("close handshake did not complete")
				}
			}
		})
	}
}
