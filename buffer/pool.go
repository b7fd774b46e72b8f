package buffer

// Pool recycles Buffer storage between the connections of one event loop,
// so that a connection holds a buffer only while it has bytes in it and an
// idle connection owns none. It is not safe for concurrent use: each loop
// owns one and uses it from its own goroutine, which is why it needs no
// lock (unlike sync.Pool, it also never drops storage behind the owner's
// back, so a busy loop does not churn the GC).
//
// The zero Pool is ready to use.
type Pool struct {
	free  [][]byte
	bytes int // total capacity held in free
}

// maxPooled bounds how many storages a pool keeps; maxPooledSize bounds how
// large one may be, so a burst's big buffer is given back to the GC; and
// maxPooledBytes bounds them together, so that a burst of large reads does
// not leave a loop holding up to maxPooled*maxPooledSize (64 MiB) for good.
const (
	maxPooled      = 1024
	maxPooledSize  = 64 * 1024
	maxPooledBytes = 4 << 20
)

// Get gives b storage from the pool if b has none. It is a no-op for a
// buffer that already owns storage.
func (p *Pool) Get(b *Buffer) {
	if b.buf != nil {
		return
	}
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.bytes -= cap(s)
		b.buf = s[:cap(s)]
		b.r, b.w = CheapPrepend, CheapPrepend
		return
	}
	b.allocate(InitialSize)
}

// Put takes b's storage back into the pool (or lets it go if the pool is
// full or the storage too large) and leaves b as the zero Buffer. Any
// unread bytes in b are discarded.
func (p *Pool) Put(b *Buffer) {
	s := b.Release()
	if s == nil || cap(s) > maxPooledSize || cap(s) < CheapPrepend || len(p.free) >= maxPooled ||
		p.bytes+cap(s) > maxPooledBytes {
		return
	}
	p.free = append(p.free, s)
	p.bytes += cap(s)
}

// Len reports how many storages the pool holds.
func (p *Pool) Len() int { return len(p.free) }
