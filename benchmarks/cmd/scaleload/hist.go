package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a lock-free log-linear latency histogram in microseconds: 16
// sub-buckets per power of two, so a percentile is within ~6%.
type hist struct {
	b [64 * 16]atomic.Int64
	n atomic.Int64
}

func bucket(us uint64) int {
	if us < 16 {
		return int(us)
	}
	e := bits.Len64(us) - 1 // us in [2^e, 2^(e+1))
	sub := (us >> (e - 4)) & 15
	return (e-3)*16 + int(sub)
}

// lower is the smallest value of bucket i.
func lower(i int) uint64 {
	if i < 16 {
		return uint64(i)
	}
	e := i/16 + 3
	sub := uint64(i % 16)
	return (1 << e) | sub<<(e-4)
}

func (h *hist) add(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	h.b[bucket(us)].Add(1)
	h.n.Add(1)
}

func (h *hist) reset() {
	for i := range h.b {
		h.b[i].Store(0)
	}
	h.n.Store(0)
}

// quantile returns the q-quantile (0 < q <= 1) in microseconds, 0 when empty.
func (h *hist) quantile(q float64) uint64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := int64(float64(n)*q + 0.5)
	want = max(want, 1)
	var seen int64
	for i := range h.b {
		seen += h.b[i].Load()
		if seen >= want {
			// the middle of the bucket
			return (lower(i) + lower(i+1)) / 2
		}
	}
	return lower(len(h.b) - 1)
}
