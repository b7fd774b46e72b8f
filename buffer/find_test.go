package buffer

import "testing"

func TestFind(t *testing.T) {
	b := New(8)
	b.AppendString("junk")
	b.Retrieve(4) // keep a non-zero reader index in play
	b.AppendString("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest\nlast")
	if got := b.FindCRLF(); got != 14 {
		t.Fatalf("FindCRLF = %d", got)
	}
	if got := b.FindCRLFFrom(14); got != 14 {
		t.Fatalf("FindCRLFFrom(14) = %d", got)
	}
	if got := b.FindCRLFFrom(15); got != 23 {
		t.Fatalf("FindCRLFFrom(15) = %d", got)
	}
	if got := b.FindCRLFFrom(24); got != 25 {
		t.Fatalf("FindCRLFFrom(24) = %d", got)
	}
	if got := b.FindCRLFFrom(26); got != -1 {
		t.Fatalf("FindCRLFFrom(26) = %d", got)
	}
	if got := b.FindEOL(); got != 15 {
		t.Fatalf("FindEOL = %d", got)
	}
	if got := b.FindEOLFrom(27); got != 31 {
		t.Fatalf("FindEOLFrom(27) = %d", got)
	}
	if got := b.FindEOLFrom(32); got != -1 {
		t.Fatalf("FindEOLFrom(32) = %d", got)
	}
	n := b.ReadableBytes()
	for _, start := range []int{-1, n + 1, 1 << 20} {
		if b.FindCRLFFrom(start) != -1 || b.FindEOLFrom(start) != -1 {
			t.Fatalf("out-of-range start %d found something", start)
		}
	}
	if b.FindCRLFFrom(n) != -1 || b.FindEOLFrom(n) != -1 {
		t.Fatal("start at end found something")
	}
	// A CR at the end of the readable bytes followed by LF in the writable
	// region (stale bytes) must not be found.
	c := New(16)
	c.AppendString("ab\r\n")
	c.Unwrite(1) // "ab\r", with a stale '\n' right behind it
	if c.FindCRLF() != -1 || c.FindCRLFFrom(0) != -1 || c.FindEOL() != -1 || c.FindEOLFrom(0) != -1 {
		t.Fatal("found a line end beyond the readable bytes")
	}
}

func TestShrink(t *testing.T) {
	b := New(16)
	b.Append(make([]byte, 100000))
	b.Retrieve(99990)
	b.Shrink(6)
	check(t, b, CheapPrepend, 10, 6)
	b.Shrink(0)
	check(t, b, CheapPrepend, 10, 0)
	b.RetrieveAll()
	b.Shrink(0)
	check(t, b, CheapPrepend, 0, 0)
	b.AppendString("still works")
	if b.PeekString() != "still works" {
		t.Fatalf("after shrink: %q", b.PeekString())
	}
}

func TestRelease(t *testing.T) {
	b := New(16)
	b.AppendString("x")
	s := b.Release()
	if len(s) != CheapPrepend+16 {
		t.Fatalf("Release returned %d bytes", len(s))
	}
	check(t, b, 0, 0, 0)
}
