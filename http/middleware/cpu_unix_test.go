//go:build unix

package middleware

import "syscall"

// processCPU is the CPU time the process has used (user and system, every
// thread), in nanoseconds: benchmarks report it per op, since wall time on
// a loaded machine is mostly other processes' time slices.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
