package websocket

import (
	"context"
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// TestDialWSS: the client over wss:// against the server over HTTPS, and
// a server the client does not trust refused with the handshake's error.
func TestDialWSS(t *testing.T) {
	ca, err := tlscert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Server(tlscert.ECDSAP256, "localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	rt := http.NewRouter()
	opts := echoOptions()
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) { _, _ = Upgrade(w, r, opts) })
	s := http.NewServer(rt, http.WithLogger(quietLogger), http.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port := s.Addr().Port()
	url := "wss://localhost:" + strconv.Itoa(int(port)) + "/ws/echo"
	got := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := Dial(ctx, url, &DialOptions{TLSConfig: &tls.Config{RootCAs: ca.Pool()}, Options: Options{
		Handler: Handler{OnMessage: func(_ *Conn, _ MessageType, data []byte) { got <- string(data) }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Send(TextMessage, []byte("over tls"))
	select {
	case m := <-got:
		if m != "over tls" {
			t.Fatalf("echo %q", m)
		}
	case <-time.After(guard):
		t.Fatal("no echo")
	}
	c.Close(CloseNormal, "")

	_, err = Dial(ctx, url, nil) // the system roots do not know the test CA
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server: %v", err)
	}
}
