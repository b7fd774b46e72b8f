package interop

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seed08ffa9f8/muduo-go/http"
	mws "github.com/seed08ffa9f8/muduo-go/http/websocket"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// TestGorillaClientOverTLS: wss:// - gorilla/websocket's Dialer against
// the native WebSocket server on an HTTPS server, with compression, every
// payload echoed.
func TestGorillaClientOverTLS(t *testing.T) {
	ca, err := tlscert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Server(tlscert.ECDSAP256, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	opts := &mws.Options{Compression: true, Handler: mws.Handler{
		OnMessage: func(c *mws.Conn, typ mws.MessageType, data []byte) { _ = c.Send(typ, data) },
	}}
	rt := http.NewRouter()
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) {
		if r.TLS() == nil {
			w.WriteHeader(500)
			return
		}
		_, _ = mws.Upgrade(w, r, opts)
	})
	s := http.NewServer(rt, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		http.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := websocket.Dialer{HandshakeTimeout: guard, EnableCompression: true, TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}
	ws, _, err := d.Dial("wss://"+s.Addr().String()+"/ws/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(guard))
	for _, p := range payloads() {
		if err := ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
			t.Fatal(err)
		}
		typ, got, err := ws.ReadMessage()
		if err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, p) {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(p), len(got), err)
		}
	}
	_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("close: %v", err)
	}
}
