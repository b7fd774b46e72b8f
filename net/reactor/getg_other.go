//go:build !amd64 && !arm64

package reactor

import (
	"runtime"
)

// getg returns an identity of the calling goroutine. On architectures
// without the assembly stub it parses the goroutine id from the stack
// header ("goroutine 123 [running]:"), which is correct but slow (~1 us);
// the fast path on amd64 and arm64 reads the g register instead.
func getg() uintptr {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id uintptr
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id
}
