package main

import (
	"fmt"
	"net"
	"testing"
)

// A port that a server of an earlier run still listens on is skipped.
func TestFreshAddrSkipsBusyPort(t *testing.T) {
	nextPort = portLo + 100
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", nextPort+1))
	if err != nil {
		t.Skip("port taken by something else:", err)
	}
	defer busy.Close()
	addr := freshAddr()
	if addr == busy.Addr().String() {
		t.Fatalf("freshAddr returned the busy %s", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("freshAddr's %s is not free: %v", addr, err)
	}
	_ = ln.Close()
}
