//go:build unix

package routing

import "syscall"

// processCPU is the CPU time the process has used (user and system, every
// thread: the garbage collector's work included), in nanoseconds. ns/op is
// wall time, which on a loaded machine is mostly other processes' time
// slices; cpu-ns/op is what a lookup costs.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
