//go:build linux

package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// dialAsync runs rpc.Dial in a goroutine, so that a Dial that hangs fails
// the test (after guard) instead of stalling it.
func dialAsync(t *testing.T, ctx context.Context, addr string, opts ...rpc.ClientOption) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		c, err := rpc.Dial(ctx, addr, append([]rpc.ClientOption{rpc.WithClientLogger(quiet)}, opts...)...)
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(guard):
		t.Fatalf("rpc.Dial(%s) still waiting after %v", addr, guard)
		return nil
	}
}

// TestDialRefusedAtOnce: rpc.Dial to a closed port returns the refused
// error at once. Regression: with context.Background() it waited for ever,
// and with a deadline it said "context deadline exceeded".
func TestDialRefusedAtOnce(t *testing.T) {
	addr := closedPort(t)
	for _, ctx := range []context.Context{context.Background(), timeoutCtx(t, time.Hour)} {
		err := dialAsync(t, ctx, addr)
		if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), addr) {
			t.Fatalf("rpc.Dial(%s) = %v, want an error naming the address and wrapping ECONNREFUSED", addr, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("rpc.Dial(%s) = %v: a refused connect is not a timeout", addr, err)
		}
	}
}

func timeoutCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// blackHole returns an address whose connects neither complete nor fail:
// a listener with a backlog of 0 that is full, so the kernel drops SYNs.
func blackHole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: the first connection takes the one place.
	c, err := net.DialTimeout("tcp", addr, guard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	probe, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err == nil {
		probe.Close()
		t.Skip("a full backlog does not drop SYNs here")
	}
	return addr
}

// TestDialDefaultTimeout: a context without a deadline gets the dial
// timeout, so a server that never answers does not hang Dial; a context's
// own deadline wins.
func TestDialDefaultTimeout(t *testing.T) {
	if rpc.DefaultDialTimeout <= 0 || rpc.DefaultDialTimeout > time.Minute {
		t.Fatalf("DefaultDialTimeout = %v", rpc.DefaultDialTimeout)
	}
	addr := blackHole(t)
	err := dialAsync(t, context.Background(), addr, rpc.WithDialTimeout(200*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("rpc.Dial to a black hole = %v, want a deadline error naming the address", err)
	}
	err = dialAsync(t, timeoutCtx(t, 200*time.Millisecond), addr, rpc.WithDialTimeout(time.Hour))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("rpc.Dial with a deadline = %v", err)
	}
}
