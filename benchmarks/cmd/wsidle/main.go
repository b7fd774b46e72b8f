// Command wsidle measures what idle WebSocket connections cost a server:
// it starts the server command (by default examples/httpserver, whose GET
// /ws/echo is native), reads its VmRSS, opens -n WebSocket connections
// (each upgraded and, unless -ping 0, used for one 64-byte echo so lazily
// allocated state is counted), reads VmRSS again and prints the
// difference per connection.
//
//	go build -o /tmp/httpserver ./examples/httpserver
//	go run ./cmd/wsidle -server /tmp/httpserver -n 19500
//
// The server runs pinned to CPU 0 with GOMAXPROCS=1 when taskset exists.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	server := flag.String("server", "", "server binary (serves GET /ws/echo); started with -addr")
	addr := flag.String("addr", "127.0.0.1:9400", "address for the server")
	path := flag.String("path", "/ws/echo", "WebSocket path")
	n := flag.Int("n", 10000, "connections")
	ping := flag.Int("ping", 64, "bytes to echo once per connection (0: never)")
	flag.Parse()
	if *server == "" {
		log.Fatal("wsidle: -server is required")
	}
	raiseNofile(uint64(*n) + 100)
	args := []string{*server, "-addr", *addr}
	if strings.Contains(*server, "httpserver") {
		args = append(args, "-debug=false")
	}
	if p, err := exec.LookPath("taskset"); err == nil {
		args = append([]string{p, "-c", "0"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitListening(*addr)
	// Warm up: one connection opened and closed, so the runtime's first
	// allocations are in the baseline.
	c := open(*addr, *path, *ping)
	_ = c.Close()
	time.Sleep(500 * time.Millisecond)
	before := rss(cmd.Process.Pid)
	conns := make([]net.Conn, 0, *n)
	for range *n {
		conns = append(conns, open(*addr, *path, *ping))
	}
	time.Sleep(time.Second) // let the server settle (GC, freed read buffers)
	after := rss(cmd.Process.Pid)
	fmt.Printf("connections %d  rss before %d KiB  after %d KiB  per connection %.0f bytes\n",
		*n, before>>10, after>>10, float64(after-before)/float64(*n))
	for _, c := range conns {
		_ = c.Close()
	}
}

// open upgrades one connection and echoes ping bytes once.
func open(addr, path string, ping int) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	r := bufio.NewReaderSize(c, 512)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			log.Fatalf("handshake: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	if ping > 0 {
		msg := []byte{0x82, 0x80 | byte(ping), 0, 0, 0, 0}
		msg = append(msg, bytes.Repeat([]byte{'x'}, ping)...)
		if _, err := c.Write(msg); err != nil {
			log.Fatal(err)
		}
		if _, err := io.ReadFull(r, make([]byte, 2+ping)); err != nil {
			log.Fatalf("echo: %v", err)
		}
	}
	_ = c.SetDeadline(time.Time{})
	return c
}

func waitListening(addr string) {
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("server not listening on %s", addr)
}

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	log.Fatal("no VmRSS")
	return 0
}

func raiseNofile(n uint64) {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < n {
		l.Cur = min(n, l.Max)
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
