package reactor

import (
	"fmt"
	"sync/atomic"
)

// Balance chooses which IO loop gets the next connection.
type Balance int

const (
	// RoundRobin hands out the loops in turn, as muduo does.
	RoundRobin Balance = iota
	// LeastLoaded picks the loop with the smallest Load (connections), which
	// evens out loops when connection lifetimes differ widely.
	LeastLoaded
)

// LoopPool is muduo's EventLoopThreadPool: N IO loops, each on its own
// locked goroutine, started together, and a policy for picking one. With
// zero IO loops every pick returns the base loop, which then does IO too.
type LoopPool struct {
	base    *EventLoop
	loops   []*EventLoop
	balance Balance
	next    atomic.Uint64
}

// NewLoopPool creates n IO loops (not yet running) next to base. opts are
// applied to every loop; each is named "<prefix>-io-<i>".
func NewLoopPool(base *EventLoop, n int, balance Balance, prefix string, opts ...Option) (*LoopPool, error) {
	p := &LoopPool{base: base, balance: balance}
	for i := 0; i < n; i++ {
		// Full slice expression: never append into the caller's array.
		l, err := New(append(opts[:len(opts):len(opts)], WithName(fmt.Sprintf("%s-io-%d", prefix, i)))...)
		if err != nil {
			p.Stop()
			return nil, err
		}
		p.loops = append(p.loops, l)
	}
	return p, nil
}

// Start runs every IO loop and returns once all of them are running.
func (p *LoopPool) Start() {
	for _, l := range p.loops {
		l.Start()
	}
}

// Next returns the loop for a new connection. Safe from any goroutine.
func (p *LoopPool) Next() *EventLoop {
	if len(p.loops) == 0 {
		return p.base
	}
	if p.balance == LeastLoaded {
		best := p.loops[0]
		for _, l := range p.loops[1:] {
			if l.Load() < best.Load() {
				best = l
			}
		}
		return best
	}
	return p.loops[(p.next.Add(1)-1)%uint64(len(p.loops))]
}

// Loops returns the IO loops (the base loop alone when there are none).
func (p *LoopPool) Loops() []*EventLoop {
	if len(p.loops) == 0 {
		return []*EventLoop{p.base}
	}
	return p.loops
}

// Stop quits every IO loop and waits until each has finished. Safe from any
// goroutine except an IO loop's own.
func (p *LoopPool) Stop() {
	for _, l := range p.loops {
		l.Quit()
	}
	for _, l := range p.loops {
		if l.started.Load() {
			<-l.Done()
		} else {
			l.closeUnstarted()
		}
	}
}
