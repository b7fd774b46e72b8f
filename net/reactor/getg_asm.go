//go:build amd64 || arm64

package reactor

// getg returns an identity of the calling goroutine: the address of its
// runtime g structure. It costs one instruction and no syscall. The address
// is stable for the goroutine's lifetime, and no two live goroutines share
// one, which is all "am I on the loop goroutine" needs: the loop goroutine
// lives as long as the loop runs.
func getg() uintptr
