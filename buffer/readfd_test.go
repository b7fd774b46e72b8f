//go:build linux

package buffer

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketpair returns a connected AF_UNIX stream pair, closed at cleanup.
func socketpair(t *testing.T, nonblock bool) (int, int) {
	t.Helper()
	typ := unix.SOCK_STREAM | unix.SOCK_CLOEXEC
	if nonblock {
		typ |= unix.SOCK_NONBLOCK
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func writeAll(t *testing.T, fd int, p []byte) {
	t.Helper()
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err != nil {
			t.Errorf("write: %v", err)
			return
		}
		p = p[n:]
	}
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

func sentinelScratch() []byte {
	s := make([]byte, ScratchSize)
	for i := range s {
		s[i] = 0xAA
	}
	return s
}

func TestReadFdSmallReadLandsInWritable(t *testing.T) {
	r, w := socketpair(t, true)
	b := New(64)
	b.AppendString("old|")
	capBefore := b.Cap()
	scratch := sentinelScratch()
	writeAll(t, w, []byte("hello"))
	n, err := b.ReadFd(r, scratch)
	if err != nil || n != 5 {
		t.Fatalf("ReadFd = %d, %v", n, err)
	}
	if b.PeekString() != "old|hello" {
		t.Fatalf("content = %q", b.PeekString())
	}
	if b.Cap() != capBefore {
		t.Fatalf("cap changed %d -> %d", capBefore, b.Cap())
	}
	if scratch[0] != 0xAA {
		t.Fatal("a read that fit the writable region touched the scratch")
	}
}

func TestReadFdSpillsIntoScratch(t *testing.T) {
	r, w := socketpair(t, true)
	b := New(16)
	b.AppendString("0123456789") // 6 writable bytes left
	const size = 1000
	data := pattern(size)
	writeAll(t, w, data)
	scratch := make([]byte, ScratchSize)
	n, err := b.ReadFd(r, scratch)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 6 {
		t.Fatalf("first read returned %d bytes; the %d queued bytes should exceed the 6 writable", n, size)
	}
	got := n
	for got < size {
		n, err = b.ReadFd(r, scratch)
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		got += n
	}
	if want := append([]byte("0123456789"), data...); !bytes.Equal(b.Peek(), want) {
		t.Fatal("content is not byte-exact after spilling into the scratch")
	}
}

func TestReadFdZeroBufferUsesScratch(t *testing.T) {
	r, w := socketpair(t, true)
	var b Buffer
	writeAll(t, w, []byte("into the scratch"))
	n, err := b.ReadFd(r, make([]byte, ScratchSize))
	if err != nil || n != 16 {
		t.Fatalf("ReadFd = %d, %v", n, err)
	}
	if b.PeekString() != "into the scratch" {
		t.Fatalf("content = %q", b.PeekString())
	}
}

func TestReadFdLargeWritableSkipsScratch(t *testing.T) {
	r, w := socketpair(t, true)
	b := New(2 * ScratchSize)
	scratch := sentinelScratch()
	data := pattern(3000)
	writeAll(t, w, data)
	total := 0
	for total < len(data) {
		n, err := b.ReadFd(r, scratch)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if !bytes.Equal(b.Peek(), data) {
		t.Fatal("content mismatch")
	}
	if scratch[0] != 0xAA {
		t.Fatal("scratch used although the buffer had more room than the scratch")
	}
}

func TestReadFdBigBurst(t *testing.T) {
	r, w := socketpair(t, false) // blocking: the reader waits for data
	const size = 1 << 20
	data := pattern(size)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		writeAll(t, w, data)
		_ = unix.Shutdown(w, unix.SHUT_WR)
	}()
	var b Buffer
	scratch := make([]byte, ScratchSize)
	reads := 0
	for {
		n, err := b.ReadFd(r, scratch)
		if err != nil {
			t.Fatalf("after %d bytes: %v", b.ReadableBytes(), err)
		}
		if n == 0 {
			break // EOF
		}
		reads++
		if b.ReadableBytes() > size {
			t.Fatalf("read %d bytes, more than was sent", b.ReadableBytes())
		}
	}
	<-writerDone
	if b.ReadableBytes() != size {
		t.Fatalf("read %d bytes, want %d", b.ReadableBytes(), size)
	}
	if !bytes.Equal(b.Peek(), data) {
		t.Fatal("1 MiB burst not byte-exact")
	}
	t.Logf("%d reads", reads)
}

func TestReadFdBurstWithConsumer(t *testing.T) {
	// The usual connection pattern: read, consume most of it, read again.
	r, w := socketpair(t, false)
	const size = 1 << 20
	data := pattern(size)
	go func() {
		writeAll(t, w, data)
		_ = unix.Shutdown(w, unix.SHUT_WR)
	}()
	var b Buffer
	var out []byte
	scratch := make([]byte, ScratchSize)
	for {
		n, err := b.ReadFd(r, scratch)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		k := b.ReadableBytes() - b.ReadableBytes()/3 // leave a third behind
		out = append(out, b.Peek()[:k]...)
		b.Retrieve(k)
	}
	out = append(out, b.Peek()...)
	if !bytes.Equal(out, data) {
		t.Fatalf("got %d bytes, not byte-exact with the %d sent", len(out), size)
	}
}

func TestReadFdEOF(t *testing.T) {
	r, w := socketpair(t, true)
	unix.Close(w) // the cleanup's second close of w just fails with EBADF
	b := New(16)
	n, err := b.ReadFd(r, make([]byte, ScratchSize))
	if n != 0 || err != nil {
		t.Fatalf("ReadFd at EOF = %d, %v; want 0, nil", n, err)
	}
	if b.ReadableBytes() != 0 {
		t.Fatal("EOF appended bytes")
	}
}

func TestReadFdEAGAIN(t *testing.T) {
	r, _ := socketpair(t, true)
	b := New(16)
	b.AppendString("keep")
	n, err := b.ReadFd(r, make([]byte, ScratchSize))
	if n != 0 || !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("ReadFd on empty non-blocking socket = %d, %v; want 0, EAGAIN", n, err)
	}
	if b.PeekString() != "keep" {
		t.Fatalf("content changed: %q", b.PeekString())
	}
}

func TestReadFdBadFd(t *testing.T) {
	var b Buffer
	_, err := b.ReadFd(-1, make([]byte, 16))
	if !errors.Is(err, unix.EBADF) {
		t.Fatalf("ReadFd(-1) = %v, want EBADF", err)
	}
}

func TestReadFdNoSpace(t *testing.T) {
	r, w := socketpair(t, true)
	writeAll(t, w, []byte("x"))
	var b Buffer
	if _, err := b.ReadFd(r, nil); err == nil {
		t.Fatal("ReadFd with no writable space and no scratch succeeded")
	}
}

func TestReadFdPipe(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	data := pattern(40000)
	writeAll(t, p[1], data)
	unix.Close(p[1])
	b := New(100)
	scratch := make([]byte, ScratchSize)
	deadline := time.Now().Add(10 * time.Second) // failure guard only
	for time.Now().Before(deadline) {
		n, err := b.ReadFd(p[0], scratch)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if !bytes.Equal(b.Peek(), data) {
		t.Fatalf("pipe: got %d bytes, not byte-exact", b.ReadableBytes())
	}
}
