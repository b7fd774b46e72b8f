package reactor

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func newPool(t *testing.T, n int, balance Balance) (*EventLoop, *LoopPool) {
	t.Helper()
	base := newLoop(t)
	p, err := NewLoopPool(base, n, balance, "pool")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return base, p
}

func TestLoopPoolRoundRobin(t *testing.T) {
	leakCheck(t)
	_, p := newPool(t, 3, RoundRobin)
	loops := p.Loops()
	if len(loops) != 3 {
		t.Fatalf("%d loops", len(loops))
	}
	for i, l := range loops {
		if want := fmt.Sprintf("pool-io-%d", i); l.Name() != want {
			t.Errorf("loop %d named %q, want %q", i, l.Name(), want)
		}
	}
	p.Start()
	for i := 0; i < 9; i++ {
		if got := p.Next(); got != loops[i%3] {
			t.Fatalf("pick %d: %s, want %s", i, got.Name(), loops[i%3].Name())
		}
	}
}

// Concurrent picks still spread exactly evenly.
func TestLoopPoolRoundRobinConcurrent(t *testing.T) {
	leakCheck(t)
	_, p := newPool(t, 3, RoundRobin)
	counts := make(map[*EventLoop]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				l := p.Next()
				mu.Lock()
				counts[l]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, l := range p.Loops() {
		if counts[l] != 800 {
			t.Fatalf("loop %s picked %d times, want 800", l.Name(), counts[l])
		}
	}
}

func TestLoopPoolLeastLoaded(t *testing.T) {
	leakCheck(t)
	_, p := newPool(t, 3, LeastLoaded)
	loops := p.Loops()
	if p.Next() != loops[0] {
		t.Fatal("all equal: want the first loop")
	}
	loops[0].AddLoad(5)
	loops[1].AddLoad(2)
	loops[2].AddLoad(3)
	if got := p.Next(); got != loops[1] {
		t.Fatalf("picked %s (load %d), want %s (load 2)", got.Name(), got.Load(), loops[1].Name())
	}
	loops[1].AddLoad(2) // 5, 4, 3
	if got := p.Next(); got != loops[2] {
		t.Fatalf("picked %s, want %s", got.Name(), loops[2].Name())
	}
	// Picking does not change the load by itself: the owner does.
	if got := p.Next(); got != loops[2] {
		t.Fatalf("picked %s, want %s again", got.Name(), loops[2].Name())
	}
	// Simulate connections: each pick gets one more connection.
	for _, l := range loops {
		l.AddLoad(-l.Load())
	}
	for i := 0; i < 30; i++ {
		p.Next().AddLoad(1)
	}
	for _, l := range loops {
		if l.Load() != 10 {
			t.Fatalf("loop %s has load %d, want 10", l.Name(), l.Load())
		}
	}
}

func TestLoopPoolZeroLoops(t *testing.T) {
	leakCheck(t)
	for _, b := range []Balance{RoundRobin, LeastLoaded} {
		base, p := newPool(t, 0, b)
		for i := 0; i < 3; i++ {
			if p.Next() != base {
				t.Fatal("pool without IO loops did not return the base loop")
			}
		}
		if ls := p.Loops(); len(ls) != 1 || ls[0] != base {
			t.Fatalf("Loops() = %v, want [base]", ls)
		}
		p.Start()
		p.Stop()
	}
}

func TestLoopPoolStopWaitsForAll(t *testing.T) {
	leakCheck(t)
	base := fdCount(t)
	_, p := newPool(t, 3, RoundRobin)
	p.Start()
	var onOwn atomic.Int32
	for _, l := range p.Loops() {
		onLoop(t, l, func() {
			if l.InLoop() {
				onOwn.Add(1)
			}
			for _, o := range p.Loops() {
				if o != l && o.InLoop() {
					onOwn.Add(-100)
				}
			}
		})
	}
	if onOwn.Load() != 3 {
		t.Fatalf("loops' functors not each on their own loop (%d)", onOwn.Load())
	}
	// A loop busy in a functor when Stop is called: Stop waits for it too.
	var finished atomic.Bool
	entered := make(chan struct{})
	p.Loops()[1].QueueInLoop(func() {
		close(entered)
		for i := 0; i < 100; i++ {
			settleSpin()
		}
		finished.Store(true)
	})
	wait(t, entered, "busy functor")
	p.Stop()
	if !finished.Load() {
		t.Fatal("Stop returned while a loop was still running a functor")
	}
	for _, l := range p.Loops() {
		if !isClosed(l.Done()) {
			t.Fatalf("loop %s not done after Stop", l.Name())
		}
	}
	p.Stop() // twice: no-op
	// base loop (never started) is closed by newLoop's cleanup; IO loops
	// have freed their fds already.
	if got := fdCount(t); got != base+backendFds {
		t.Fatalf("fds after Stop: %d more than before, want %d (the base loop)", got-base, backendFds)
	}
}

// settleSpin yields a little without sleeping on a timer.
func settleSpin() {
	ch := make(chan struct{})
	go func() { close(ch) }()
	<-ch
}

// A pool that is never started frees its loops on Stop.
func TestLoopPoolStopUnstarted(t *testing.T) {
	leakCheck(t)
	base := fdCount(t)
	p, err := NewLoopPool(nil, 4, RoundRobin, "idle")
	if err != nil {
		t.Fatal(err)
	}
	if got := fdCount(t); got != base+4*backendFds {
		t.Fatalf("4 loops hold %d fds, want %d", got-base, 4*backendFds)
	}
	p.Stop()
	if got := fdCount(t); got != base {
		t.Fatalf("Stop of an unstarted pool left %d fds", got-base)
	}
	for _, l := range p.Loops() {
		if !isClosed(l.Done()) {
			t.Fatal("unstarted loop not done after Stop")
		}
	}
}

// The options slice is the caller's: NewLoopPool must not write into its
// spare capacity.
func TestLoopPoolDoesNotWriteCallerOptions(t *testing.T) {
	leakCheck(t)
	opts := make([]Option, 1, 4)
	opts[0] = WithLogger(nil)
	p, err := NewLoopPool(nil, 2, RoundRobin, "opts", opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if opts[:2][1] != nil {
		t.Fatal("NewLoopPool appended into the caller's options array")
	}
	for i, l := range p.Loops() {
		if want := fmt.Sprintf("opts-io-%d", i); l.Name() != want {
			t.Fatalf("loop %d named %q", i, l.Name())
		}
	}
}
