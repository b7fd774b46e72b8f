// Package window is the handshake between a load generator and the runner:
// the generator prints "BEGIN" when its measured window opens and "END ..."
// when it closes, and the runner samples the server's /proc counters exactly
// at those two lines. That keeps connection setup, warm-up and teardown out
// of the CPU-per-message figure.
package window

import (
	"fmt"
	"os"
	"time"
)

// Run waits out warmup, prints BEGIN, waits d, prints END, and returns the
// counter delta and the exact elapsed time of the window. count must be safe
// to call concurrently with the workers.
func Run(warmup, d time.Duration, count func() (msgs, bytes int64)) (msgs, bytes int64, elapsed time.Duration) {
	time.Sleep(warmup)
	m0, b0 := count()
	t0 := time.Now()
	fmt.Fprintln(os.Stdout, "BEGIN")
	time.Sleep(d)
	m1, b1 := count()
	elapsed = time.Since(t0)
	fmt.Fprintln(os.Stdout, "END")
	return m1 - m0, b1 - b0, elapsed
}
