package reactor

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 16 goroutines each submit 2000 numbered functors: every functor runs
// exactly once, and each submitter's functors run in submission order.
func TestFunctorsOrderedPerSubmitter(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const submitters, perSubmitter = 16, 2000
	// Touched only on the loop goroutine.
	next := make([]int, submitters)
	var outOfOrder, total int
	var wg sync.WaitGroup
	start := make(chan struct{})
	for s := 0; s < submitters; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perSubmitter; i++ {
				l.QueueInLoop(func() {
					if next[s] != i {
						outOfOrder++
					}
					next[s] = i + 1
					total++
				})
			}
		}()
	}
	close(start)
	wg.Wait()
	var gotTotal, gotOOO int
	var gotNext []int
	onLoop(t, l, func() { // queued after all of them: runs after all of them
		gotTotal, gotOOO = total, outOfOrder
		gotNext = append([]int(nil), next...)
	})
	if gotTotal != submitters*perSubmitter {
		t.Fatalf("%d functors ran, want %d", gotTotal, submitters*perSubmitter)
	}
	if gotOOO != 0 {
		t.Fatalf("%d functors ran out of their submitter's order", gotOOO)
	}
	for s, n := range gotNext {
		if n != perSubmitter {
			t.Fatalf("submitter %d: last functor %d, want %d", s, n, perSubmitter)
		}
	}
}

// RunInLoop from many goroutines keeps per-submitter order as well.
func TestRunInLoopOrderedFromOutside(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const submitters, perSubmitter = 4, 500
	next := make([]int, submitters)
	var bad atomic.Int32
	var wg sync.WaitGroup
	for s := 0; s < submitters; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perSubmitter; i++ {
				l.RunInLoop(func() {
					if next[s] != i {
						bad.Add(1)
					}
					next[s] = i + 1
				})
			}
		}()
	}
	wg.Wait()
	onLoop(t, l, func() {
		for s := range next {
			if next[s] != perSubmitter {
				bad.Add(1)
			}
		}
	})
	if bad.Load() != 0 {
		t.Fatalf("%d ordering or loss errors", bad.Load())
	}
}

// A functor queued by a functor runs in a later iteration, after the rest
// of the current batch, and the loop does not go to sleep on it.
func TestQueueFromFunctorRunsLater(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	var order []string // loop goroutine only
	release := blockLoop(t, l)
	l.QueueInLoop(func() {
		order = append(order, "a1")
		l.QueueInLoop(func() { order = append(order, "b") })
		order = append(order, "a1 end")
	})
	l.QueueInLoop(func() { order = append(order, "a2") })
	release()
	var got []string
	// Wait until b ran; this also proves no wakeup was lost (no hang).
	done := make(chan struct{})
	var poll func()
	poll = func() {
		if len(order) == 4 {
			got = append(got, order...)
			close(done)
			return
		}
		l.QueueInLoop(poll)
	}
	l.QueueInLoop(poll)
	wait(t, done, "functor queued from a functor")
	want := []string{"a1", "a1 end", "a2", "b"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

// A chain of functors, each queueing the next from the loop while nothing
// else wakes the loop: every link must run (no lost wakeup).
func TestQueueChainFromLoop(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const links = 5000
	done := make(chan struct{})
	n := 0
	var link func()
	link = func() {
		n++
		if n == links {
			close(done)
			return
		}
		l.QueueInLoop(link)
	}
	l.QueueInLoop(link)
	wait(t, done, "functor chain")
}

// Many goroutines queue functors while the loop is idle, each waiting for
// its own functor before queueing the next: a lost wakeup would hang one of
// them forever (caught by the guard).
func TestWakeupStress(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	const goroutines, rounds = 16, 300
	var wg sync.WaitGroup
	var ran atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				done := make(chan struct{})
				l.QueueInLoop(func() { ran.Add(1); close(done) })
				select { // not wait(): no FailNow off the test goroutine
				case <-done:
				case <-time.After(guard):
					t.Errorf("round %d: functor never ran (lost wakeup?)", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	if ran.Load() != goroutines*rounds {
		t.Fatalf("ran %d functors, want %d", ran.Load(), goroutines*rounds)
	}
}

// One goroutine ping-pongs with the loop: every round the loop is asleep
// (or about to be) when the functor is queued.
func TestWakeupPingPong(t *testing.T) {
	leakCheck(t)
	l := startLoop(t)
	pong := make(chan int)
	for i := 0; i < 3000; i++ {
		l.QueueInLoop(func() { pong <- i })
		if got := wait(t, pong, "pong"); got != i {
			t.Fatalf("pong %d, want %d", got, i)
		}
	}
}

// Wakeups interleaved with timers and Quit: Quit from outside wakes an idle
// loop even while other goroutines are hammering the queue.
func TestQuitWhileQueueing(t *testing.T) {
	leakCheck(t)
	for round := 0; round < 20; round++ {
		l := startLoop(t)
		stopQ := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stopQ:
						return
					default:
						l.QueueInLoop(func() {})
					}
				}
			}()
		}
		l.RunAfter(0, func() {})
		l.Quit()
		wait(t, l.Done(), "loop to quit while functors are queued")
		close(stopQ)
		wg.Wait()
	}
}
