//go:build unix

package buffer

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ScratchSize is the size of the per-event-loop overflow buffer that ReadFd
// reads into after the buffer's own writable space, as muduo's 64 KiB stack
// buffer: one readv can take a large burst while each connection's buffer
// stays small.
const ScratchSize = 64 * 1024

// ReadFd reads once from fd with readv into the writable region and then
// into scratch, and appends whatever landed in scratch. It returns the
// number of bytes read; 0 with a nil error means the peer closed its side.
// EAGAIN and EINTR are returned as errors (wrapped) for the caller to check
// with errors.Is.
//
// scratch belongs to the calling event loop and is shared by every
// connection on it, which is why ReadFd must only be called on that loop.
func (b *Buffer) ReadFd(fd int, scratch []byte) (int, error) {
	writable := len(b.buf) - b.w
	var iov [2]unix.Iovec
	cnt := 0
	if writable > 0 {
		iov[0].Base = &b.buf[b.w]
		iov[0].SetLen(writable)
		cnt++
	}
	// When the buffer has plenty of room of its own the scratch is not
	// needed; muduo skips it above 64 KiB of writable space.
	if writable < len(scratch) && len(scratch) > 0 {
		iov[cnt].Base = &scratch[0]
		iov[cnt].SetLen(len(scratch))
		cnt++
	}
	if cnt == 0 {
		return 0, fmt.Errorf("buffer: ReadFd with no space")
	}
	n, _, errno := unix.Syscall(unix.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(cnt))
	if errno != 0 {
		return 0, fmt.Errorf("buffer: readv: %w", errno)
	}
	nn := int(n)
	if nn <= writable {
		b.w += nn
	} else {
		b.w = len(b.buf)
		b.Append(scratch[:nn-writable])
	}
	return nn, nil
}
