// Package window is the handshake between a load generator and the runner.
//
// Timing mode: the generator prints "BEGIN" when its measured window opens
// and "END" when it closes, and the runner samples the server's /proc
// counters exactly at those two lines, keeping connection setup, warm-up and
// teardown out of the CPU-per-message figure.
//
// Counting mode (-ctl): a tracer such as perf needs time to attach, so the
// window is bracketed by pauses instead. The generator drains its load and
// prints "PAUSED"; the runner attaches the tracer and writes a line to stdin;
// the generator prints "BEGIN", runs, drains again and prints "END" while the
// server is quiet; the runner detaches and writes another line, and only then
// does the generator close its connections. Only the window's traffic is
// between attach and detach.
package window

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"time"
)

// Gate lets the window pause all workers between operations. Workers call
// Enter before an operation (a round trip, or sending a batch of calls) and
// Leave after it; Pause waits for every operation in progress to finish.
type Gate struct{ mu sync.RWMutex }

// Enter blocks while the load is paused.
func (g *Gate) Enter() { g.mu.RLock() }

// Leave ends an operation started with Enter.
func (g *Gate) Leave() { g.mu.RUnlock() }

// Config describes one window.
type Config struct {
	Warmup, Duration time.Duration
	Ctl              bool                         // counting mode (see package doc)
	Gate             *Gate                        // required with Ctl
	Drained          func() bool                  // nil: nothing outstanding once the gate is held
	Count            func() (msgs int64, b int64) // safe to call concurrently with workers
}

// Run measures one window and returns the counter delta and its exact length.
// In counting mode the load is left paused; the caller stops the workers.
func Run(c Config) (msgs, bytes int64, elapsed time.Duration) {
	time.Sleep(c.Warmup)
	in := bufio.NewReader(os.Stdin)
	if c.Ctl {
		pause(c)
		fmt.Println("PAUSED")
		_, _ = in.ReadString('\n') // runner: tracer attached
	}
	m0, b0 := c.Count()
	t0 := time.Now()
	fmt.Println("BEGIN")
	if c.Ctl {
		c.Gate.mu.Unlock()
	}
	time.Sleep(c.Duration)
	if c.Ctl {
		pause(c)
	}
	m1, b1 := c.Count()
	elapsed = time.Since(t0)
	fmt.Println("END")
	if c.Ctl {
		// Hold the load (and the connections) until the tracer is detached,
		// so teardown syscalls are not counted.
		_, _ = in.ReadString('\n')
	}
	return m1 - m0, b1 - b0, elapsed
}

// pause takes the gate and waits for outstanding work to be answered.
func pause(c Config) {
	c.Gate.mu.Lock()
	for deadline := time.Now().Add(5 * time.Second); c.Drained != nil && !c.Drained() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// Release lets paused workers run again (so they can see a stop flag).
func Release(c Config) {
	if c.Ctl {
		c.Gate.mu.Unlock()
	}
}
