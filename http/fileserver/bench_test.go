//go:build linux

package fileserver

import (
	"bytes"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	nethttp "net/http"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// benchClient is a keep-alive client on raw system calls: it allocates
// nothing, so allocs/op are the server's.
type benchClient struct {
	fd  int
	buf []byte
}

func dialBench(b *testing.B, ap netip.AddrPort) *benchClient {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = unix.Close(fd) })
	return &benchClient{fd: fd, buf: make([]byte, 2<<20)}
}

// get sends req and reads one whole response (head, then Content-Length
// bytes), returning its body length.
func (c *benchClient) get(b *testing.B, req []byte) int {
	for p := req; len(p) > 0; {
		n, err := unix.Write(c.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		p = p[n:]
	}
	got, headEnd, length := 0, -1, 0
	for headEnd < 0 || got < headEnd+length {
		n, err := unix.Read(c.fd, c.buf[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			b.Fatalf("read: %v", err)
		}
		got += n
		if headEnd < 0 {
			if i := bytes.Index(c.buf[:got], []byte("\r\n\r\n")); i >= 0 {
				headEnd = i + 4
				j := bytes.Index(c.buf[:i], []byte("Content-Length: "))
				if j < 0 {
					b.Fatalf("no Content-Length in %q", c.buf[:i])
				}
				j += len("Content-Length: ")
				k := j + bytes.IndexByte(c.buf[j:i+2], '\r')
				length, _ = strconv.Atoi(string(c.buf[j:k]))
			}
		}
	}
	return length
}

func benchTree(b *testing.B) string {
	dir := b.TempDir()
	for name, n := range map[string]int{"4k.bin": 4 << 10, "1m.bin": 1 << 20} {
		if err := os.WriteFile(filepath.Join(dir, name), bytes.Repeat([]byte{'x'}, n), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// cpuNanos is the process's user+system CPU time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func runFiles(b *testing.B, ap netip.AddrPort) {
	for _, f := range []struct{ name, path string }{{"4KiB", "/4k.bin"}, {"1MiB", "/1m.bin"}} {
		b.Run(f.name, func(b *testing.B) {
			c := dialBench(b, ap)
			req := []byte("GET " + f.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			n := c.get(b, req)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuNanos()
			for range b.N {
				c.get(b, req)
			}
			b.ReportMetric(float64(cpuNanos()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkFileServer: one keep-alive client fetching a 4 KiB and a 1 MiB
// file from this package on one loop (cpu-ns/op: the process's CPU per
// request, client included).
func BenchmarkFileServer(b *testing.B) {
	h, err := New(benchTree(b))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	srv := http.NewServer(h, http.WithLogger(quietLogger))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	runFiles(b, srv.Addr())
}

// BenchmarkNetHTTPFileServer is the same over net/http's FileServer, for
// the ratio.
func BenchmarkNetHTTPFileServer(b *testing.B) {
	std := httptest.NewServer(nethttp.FileServer(nethttp.Dir(benchTree(b))))
	defer std.Close()
	runFiles(b, netip.MustParseAddrPort(std.Listener.Addr().String()))
}
