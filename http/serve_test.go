package http

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	stdhttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// helloServer answers GET /hello with "hello".
func helloServer() *Server {
	rt := NewRouter()
	rt.GET("/hello", func(w *ResponseWriter, r *Request) { _, _ = w.WriteString("hello") })
	return NewServer(rt, WithLogger(quietLogger))
}

// TestServeListener: Serve and ServeTLS serve a listener made with
// net.Listen, as net/http's do, and return ErrServerClosed after Shutdown.
func TestServeListener(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := helloServer()
		client := &stdhttp.Client{Timeout: 30 * time.Second}
		scheme := "http"
		served := make(chan error, 1)
		if useTLS {
			p := getTLSPKI(t)
			certFile, keyFile, err := tlscert.WritePEM(t.TempDir(), "server", p.server)
			if err != nil {
				t.Fatal(err)
			}
			scheme = "https"
			client.Transport = &stdhttp.Transport{TLSClientConfig: &tls.Config{RootCAs: p.ca.Pool()}}
			go func() { served <- s.ServeTLS(l, certFile, keyFile) }()
		} else {
			go func() { served <- s.Serve(l) }()
		}
		url := scheme + "://" + l.Addr().String() + "/hello"
		for i := 0; i < 3; i++ {
			if got := getBody(t, client, url); got != "hello" {
				t.Fatalf("%s: body %q", scheme, got)
			}
		}
		if s.Addr().String() != l.Addr().String() {
			t.Fatalf("Addr() = %v, want %v", s.Addr(), l.Addr())
		}
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case err := <-served:
			if !errors.Is(err, ErrServerClosed) {
				t.Fatalf("%s: Serve after Shutdown = %v", scheme, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: Serve did not return after Shutdown", scheme)
		}
	}
}

// TestServeErrors: ServeTLS without a certificate, a second Serve, and
// Serve or ListenAndServe after Close each say so, and close the listener.
func TestServeErrors(t *testing.T) {
	listen := func() net.Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	s := helloServer()
	l := listen()
	if err := s.ServeTLS(l, "", ""); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Fatalf("ServeTLS without a certificate = %v", err)
	}
	if _, err := l.Accept(); err == nil {
		t.Fatal("ServeTLS left the listener open")
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	l = listen()
	if err := s.Serve(l); err == nil || errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve on a started server = %v", err)
	}
	_ = s.Close()

	closed := helloServer()
	_ = closed.Close()
	if err := closed.Serve(listen()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close = %v, want ErrServerClosed", err)
	}
	if err := closed.ListenAndServe("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe after Close = %v, want ErrServerClosed", err)
	}
}

// TestServeShutdownRace: Shutdown or Close right after `go srv.Serve(l)`
// always stops the server, whichever goroutine runs first.
func TestServeShutdownRace(t *testing.T) {
	for i := 0; i < 30; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		s := helloServer()
		served := make(chan error, 1)
		go func() { served <- s.Serve(l) }()
		if i%2 == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = s.Shutdown(ctx)
			cancel()
		} else {
			_ = s.Close()
		}
		select {
		case err := <-served:
			if !errors.Is(err, ErrServerClosed) {
				t.Fatalf("round %d: Serve = %v, want ErrServerClosed", i, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: Serve still running after Shutdown/Close", i)
		}
		if c, err := net.DialTimeout("tcp", addr, 30*time.Second); err == nil {
			c.Close()
			t.Fatalf("round %d: the address still accepts connections", i)
		}
	}
}
