package buffer

import (
	"testing"
)

func TestPoolZeroValueGetAllocates(t *testing.T) {
	var p Pool
	var b Buffer
	p.Get(&b)
	check(t, &b, CheapPrepend, 0, InitialSize)
	if p.Len() != 0 {
		t.Fatalf("Len = %d", p.Len())
	}
}

func TestPoolRecycles(t *testing.T) {
	var p Pool
	var a Buffer
	p.Get(&a)
	a.AppendString("unread bytes")
	a.Retrieve(3)
	storage := &a.buf[0]
	p.Put(&a)
	check(t, &a, 0, 0, 0) // a is the zero Buffer again
	if p.Len() != 1 {
		t.Fatalf("Len after Put = %d", p.Len())
	}
	var b Buffer
	p.Get(&b)
	if &b.buf[0] != storage {
		t.Fatal("Get did not hand out the recycled storage")
	}
	// Recycled storage is reset: unread bytes of the previous owner are gone
	// and the prepend area is back.
	check(t, &b, CheapPrepend, 0, InitialSize)
	if p.Len() != 0 {
		t.Fatalf("Len after Get = %d", p.Len())
	}
	// Last in, first out.
	var c, d Buffer
	p.Get(&c)
	p.Get(&d)
	cs, ds := &c.buf[0], &d.buf[0]
	p.Put(&c)
	p.Put(&d)
	var e Buffer
	p.Get(&e)
	if &e.buf[0] != ds {
		t.Fatal("pool is not LIFO")
	}
	p.Get(&e) // no-op: e already owns storage
	if &e.buf[0] != ds || p.Len() != 1 {
		t.Fatal("Get on a buffer with storage replaced it")
	}
	var f Buffer
	p.Get(&f)
	if &f.buf[0] != cs {
		t.Fatal("second Get did not return the other storage")
	}
}

func TestPoolGetKeepsExistingContent(t *testing.T) {
	var p Pool
	b := New(16)
	b.AppendString("mine")
	p.Get(b)
	if b.PeekString() != "mine" {
		t.Fatalf("Get clobbered content: %q", b.PeekString())
	}
}

func TestPoolBounds(t *testing.T) {
	var p Pool
	// Putting a buffer that owns nothing adds nothing.
	var zero Buffer
	p.Put(&zero)
	if p.Len() != 0 {
		t.Fatalf("Put of zero buffer: Len = %d", p.Len())
	}
	// Storage larger than maxPooledSize goes back to the GC.
	big := New(maxPooledSize) // CheapPrepend + maxPooledSize > the bound
	p.Put(big)
	if p.Len() != 0 {
		t.Fatalf("oversized storage was pooled: Len = %d", p.Len())
	}
	if big.Cap() != 0 {
		t.Fatal("Put did not release the oversized buffer")
	}
	// Storage of exactly maxPooledSize is kept.
	edge := New(maxPooledSize - CheapPrepend)
	p.Put(edge)
	if p.Len() != 1 {
		t.Fatalf("storage of the maximum size was not pooled: Len = %d", p.Len())
	}
	// Storage too small to hold the prepend area is dropped.
	var tiny Buffer
	tiny.Adopt(make([]byte, 4), 0)
	p.Put(&tiny)
	if p.Len() != 1 {
		t.Fatalf("tiny storage was pooled: Len = %d", p.Len())
	}
	// At most maxPooled storages.
	for i := 0; i < maxPooled+50; i++ {
		b := New(16)
		p.Put(b)
	}
	if p.Len() != maxPooled {
		t.Fatalf("Len = %d, want the bound %d", p.Len(), maxPooled)
	}
	// Everything handed out again is usable.
	for p.Len() > 0 {
		var b Buffer
		p.Get(&b)
		b.AppendString("x")
		if b.PeekString() != "x" || b.PrependableBytes() != CheapPrepend {
			t.Fatal("recycled storage is not a fresh buffer")
		}
	}
}

func TestAdopt(t *testing.T) {
	storage := make([]byte, 10, 32)
	copy(storage, "message!!!")
	var b Buffer
	b.AppendString("forgotten")
	b.Adopt(storage, 8)
	check(t, &b, 0, 8, 24) // capacity of storage, not its length
	if b.PeekString() != "message!" {
		t.Fatalf("adopted content = %q", b.PeekString())
	}
	// Zero copy: the buffer reads the storage itself.
	storage[0] = 'M'
	if b.PeekString() != "Message!" {
		t.Fatal("Adopt copied the storage")
	}
	// Appends within capacity go into the adopted storage.
	b.AppendString("++")
	if string(storage[:10]) != "Message!++" {
		t.Fatalf("storage = %q", storage[:10])
	}
	b.Retrieve(4)
	if b.RetrieveAllAsString() != "age!++" {
		t.Fatal("retrieve from adopted buffer")
	}
	// Consuming everything restores the usual prepend area.
	check(t, &b, CheapPrepend, 0, 32-CheapPrepend)
	// Growing beyond the storage works and leaves the storage alone.
	b.Append(make([]byte, 100))
	if b.ReadableBytes() != 100 || b.Cap() <= 32 {
		t.Fatalf("grow after adopt: readable %d cap %d", b.ReadableBytes(), b.Cap())
	}
}

func TestSteadyStateZeroAllocs(t *testing.T) {
	b := New(InitialSize)
	msg := make([]byte, 300)
	allocs := testing.AllocsPerRun(1000, func() {
		b.Append(msg)
		b.Retrieve(100)
		b.Append(msg[:50])
		b.Retrieve(b.ReadableBytes())
	})
	if allocs != 0 {
		t.Fatalf("steady-state Append+Retrieve allocates %v times per run", allocs)
	}
}

func BenchmarkAppendRetrieve(b *testing.B) {
	buf := New(InitialSize)
	msg := make([]byte, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Append(msg)
		buf.Retrieve(len(msg) / 2)
		buf.Retrieve(buf.ReadableBytes())
	}
}

func BenchmarkAppendRetrievePartial(b *testing.B) {
	// A consumer that leaves a tail behind: exercises move-to-front.
	buf := New(InitialSize)
	msg := make([]byte, 700)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		buf.Append(msg)
		buf.Retrieve(buf.ReadableBytes() - 10)
	}
}

// The pool holds at most maxPooledBytes in all, however the storages are
// sized: large ones stop being kept before the count bound is reached.
func TestPoolByteBound(t *testing.T) {
	var p Pool
	for i := 0; i < maxPooled; i++ {
		b := New(maxPooledSize - CheapPrepend)
		p.Put(b)
	}
	if got := p.Len() * maxPooledSize; got > maxPooledBytes {
		t.Fatalf("pool holds %d bytes, bound %d", got, maxPooledBytes)
	}
	if p.Len() != maxPooledBytes/maxPooledSize {
		t.Fatalf("Len = %d, want %d", p.Len(), maxPooledBytes/maxPooledSize)
	}
	var b Buffer
	p.Get(&b)
	if p.bytes != (p.Len())*maxPooledSize {
		t.Fatalf("bytes = %d after Get, want %d", p.bytes, p.Len()*maxPooledSize)
	}
}
