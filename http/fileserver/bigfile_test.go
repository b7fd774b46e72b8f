//go:build linux && !muduo_portable

package fileserver

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TestLargeFileManySlowReaders: one large file to many clients at once,
// each reading through a small receive window, so every transfer is
// resumed many times on EPOLLOUT. Every client gets the exact bytes; while
// all transfers are under way the server runs no goroutine per transfer
// and its memory does not grow with them; sendfile(2) moved the bytes; the
// fds come back to their baseline (the epoll backend: the portable one
// copies, with goroutines per connection). CI runs 16 MiB to 24 clients;
// MUDUO_FILESERVER_BIG=1 runs the 100 MiB to 50 clients.
func TestLargeFileManySlowReaders(t *testing.T) {
	size, clients := 16<<20, 24
	if os.Getenv("MUDUO_FILESERVER_BIG") != "" {
		size, clients = 100<<20, 50
	}
	dir := t.TempDir()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*131 + i>>12)
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	data = nil
	runtime.GC()
	h := openDir(t, dir)
	srv := http.NewServer(h, http.WithLogger(quietLogger), http.WithLoops(1))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Addr().String()
	get := "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
	warm := dialSmall(t, addr)
	fmt.Fprint(warm, "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := bufio.NewReader(warm).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	warm.Close()
	baseFDs := countFDs(t)
	g0 := runtime.NumGoroutine()
	rss0 := rss(t)

	var wg sync.WaitGroup
	started := make(chan struct{}, clients)
	release := make(chan struct{})
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialSmall(t, addr)
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * guard))
			if _, err := io.WriteString(c, get); err != nil {
				errs <- err
				return
			}
			br := bufio.NewReaderSize(c, 4096)
			length := -1
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					errs <- err
					return
				}
				if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
					length, _ = strconv.Atoi(strings.TrimSpace(v))
				}
				if line == "\r\n" {
					break
				}
			}
			started <- struct{}{}
			<-release
			hash := sha256.New()
			n, err := io.CopyBuffer(hash, io.LimitReader(br, int64(length)), make([]byte, 4096))
			if err != nil || n != int64(size) || length != size || !bytes.Equal(hash.Sum(nil), sum[:]) {
				errs <- fmt.Errorf("client got %d of %d bytes (Content-Length %d, err %v) or a different checksum", n, size, length, err)
			}
		}()
	}
	for range clients {
		select {
		case <-started:
		case err := <-errs:
			t.Fatal(err)
		}
	}
	goroutines, grown := runtime.NumGoroutine(), rss(t)-rss0
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d clients x %d MiB: %d goroutines during the transfers (baseline %d), RSS grew %d KiB",
		clients, size>>20, goroutines, g0, grown>>10)
	if goroutines > g0+clients+2 {
		t.Fatalf("%d goroutines with %d transfers under way (baseline %d): the server runs goroutines per transfer", goroutines, clients, g0)
	}
	if grown > 20<<20 {
		t.Fatalf("RSS grew %d MiB with the transfers under way", grown>>20)
	}
	var viaSendfile uint64
	for _, l := range srv.TCP().Stats() {
		viaSendfile += l.BytesSendFile
	}
	if viaSendfile < uint64(size*clients) {
		t.Fatalf("sendfile(2) moved %d bytes of %d", viaSendfile, size*clients)
	}
	deadline := time.Now().Add(guard)
	for countFDs(t) > baseFDs {
		if time.Now().After(deadline) {
			t.Fatalf("%d fds open, baseline %d", countFDs(t), baseFDs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialSmall connects with a 16 KiB receive buffer set before the connect,
// so the window is small from the start: a slow reader.
func dialSmall(t testing.TB, addr string) net.Conn {
	d := net.Dialer{Timeout: guard, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return nil
	}
	return c
}

func countFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// rss returns the process's resident set size in bytes.
func rss(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb << 10
		}
	}
	return 0
}
