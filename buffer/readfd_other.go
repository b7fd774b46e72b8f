//go:build !unix

package buffer

import (
	"errors"
	"fmt"
	"runtime"
)

// ScratchSize is the size of the per-event-loop overflow buffer that ReadFd
// reads into after the buffer's own writable space (see the Unix build).
const ScratchSize = 64 * 1024

// ReadFd reads from a Unix file descriptor with readv, which this system
// (GOOS=windows) does not have: it always fails with an error wrapping
// errors.ErrUnsupported. The portable I/O backend that muduo-go uses here
// does not call it.
func (b *Buffer) ReadFd(fd int, scratch []byte) (int, error) {
	return 0, fmt.Errorf("buffer: ReadFd on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
