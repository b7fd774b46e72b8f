//go:build linux

package tcp

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestListenAndServe: ListenAndServe serves until Shutdown and then
// returns ErrServerClosed, as net/http's does; a bad address is its error
// at once.
func TestListenAndServe(t *testing.T) {
	if err := NewServer(WithLogger(quietLogger)).ListenAndServe("127.0.0.1:70000"); err == nil || errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe on a bad address = %v", err)
	}
	s := NewServer(WithLogger(quietLogger))
	up := make(chan struct{})
	s.SetConnectionCallback(func(c *Conn) {
		if c.Connected() {
			close(up)
		}
	})
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe("127.0.0.1:0") }()
	var c net.Conn
	deadline := time.Now().Add(guard)
	for {
		// Addr is the real port once the server listens.
		if a := s.Addr(); a.Port() != 0 {
			var err error
			if c, err = net.DialTimeout("tcp", a.String(), guard); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never listened")
		}
		time.Sleep(time.Millisecond)
	}
	defer c.Close()
	select {
	case <-up:
	case <-time.After(guard):
		t.Fatal("no connection")
	}
	select {
	case err := <-served:
		t.Fatalf("ListenAndServe returned %v while serving", err)
	default:
	}
	_ = c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, ErrServerClosed) {
			t.Fatalf("ListenAndServe after Shutdown = %v, want ErrServerClosed", err)
		}
	case <-time.After(guard):
		t.Fatal("ListenAndServe did not return after Shutdown")
	}
}
