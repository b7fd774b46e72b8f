package buffer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// check asserts the three regions of b.
func check(t *testing.T, b *Buffer, prependable, readable, writable int) {
	t.Helper()
	if got := b.PrependableBytes(); got != prependable {
		t.Errorf("PrependableBytes = %d, want %d", got, prependable)
	}
	if got := b.ReadableBytes(); got != readable {
		t.Errorf("ReadableBytes = %d, want %d", got, readable)
	}
	if got := b.Len(); got != readable {
		t.Errorf("Len = %d, want %d", got, readable)
	}
	if got := b.WritableBytes(); got != writable {
		t.Errorf("WritableBytes = %d, want %d", got, writable)
	}
	if b.Cap() != prependable+readable+writable {
		t.Errorf("Cap = %d, want %d", b.Cap(), prependable+readable+writable)
	}
}

func TestZeroValueOwnsNothing(t *testing.T) {
	var b Buffer
	check(t, &b, 0, 0, 0)
	if len(b.Peek()) != 0 {
		t.Fatalf("Peek on zero buffer = %q", b.Peek())
	}
	if s := b.PeekString(); s != "" {
		t.Fatalf("PeekString = %q", s)
	}
	if b.FindCRLF() != -1 || b.FindEOL() != -1 || b.FindCRLFFrom(0) != -1 || b.FindEOLFrom(0) != -1 {
		t.Fatal("Find on zero buffer found something")
	}
	b.Retrieve(0)
	b.RetrieveAll()
	if s := b.RetrieveAllAsString(); s != "" {
		t.Fatalf("RetrieveAllAsString = %q", s)
	}
	if b.Cap() != 0 {
		t.Fatalf("retrieving from the zero buffer allocated %d bytes", b.Cap())
	}
	if s := b.Release(); s != nil {
		t.Fatalf("Release of zero buffer returned %d bytes", len(s))
	}
	// The first append allocates the initial size plus the prepend area.
	b.AppendString("hi")
	check(t, &b, CheapPrepend, 2, InitialSize-2)
	// A first append larger than InitialSize allocates enough at once.
	var big Buffer
	big.Append(make([]byte, 3*InitialSize+1))
	if big.ReadableBytes() != 3*InitialSize+1 || big.WritableBytes() < 0 {
		t.Fatalf("big first append: readable %d", big.ReadableBytes())
	}
}

func TestNew(t *testing.T) {
	b := New(100)
	check(t, b, CheapPrepend, 0, 100)
}

func TestAppendPeekRetrieve(t *testing.T) {
	b := New(16)
	b.AppendString("hello, ")
	b.Append([]byte("world"))
	if n, err := b.Write([]byte("!")); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := b.WriteString("?"); n != 1 || err != nil {
		t.Fatalf("WriteString = %d, %v", n, err)
	}
	if err := b.WriteByte('.'); err != nil {
		t.Fatal(err)
	}
	const want = "hello, world!?."
	if got := string(b.Peek()); got != want {
		t.Fatalf("Peek = %q, want %q", got, want)
	}
	if got := b.PeekString(); got != want {
		t.Fatalf("PeekString = %q", got)
	}
	// Peek's slice has its capacity clipped: appending to it must not
	// scribble over the buffer's writable region.
	p := b.Peek()
	if cap(p) != len(p) {
		t.Fatalf("Peek cap %d != len %d", cap(p), len(p))
	}

	b.Retrieve(7)
	check(t, b, CheapPrepend+7, len(want)-7, b.Cap()-CheapPrepend-len(want))
	if got := b.RetrieveAsString(5); got != "world" {
		t.Fatalf("RetrieveAsString(5) = %q", got)
	}
	// RetrieveAsString copies: mutating the buffer does not change it.
	s := b.RetrieveAsString(1)
	b.Writable()[0] = 'X'
	if s != "!" {
		t.Fatalf("RetrieveAsString(1) = %q", s)
	}
	// Asking for more than is readable returns what there is.
	if got := b.RetrieveAsString(100); got != "?." {
		t.Fatalf("RetrieveAsString(100) = %q", got)
	}
	// Consuming everything resets the indices: the prepend area is back.
	check(t, b, CheapPrepend, 0, b.Cap()-CheapPrepend)

	b.AppendString("abc")
	b.Retrieve(100) // more than readable consumes everything
	check(t, b, CheapPrepend, 0, b.Cap()-CheapPrepend)

	b.AppendString("abcdef")
	b.Retrieve(2)
	if got := b.RetrieveAllAsString(); got != "cdef" {
		t.Fatalf("RetrieveAllAsString = %q", got)
	}
	b.AppendString("xyz")
	b.RetrieveAll()
	check(t, b, CheapPrepend, 0, b.Cap()-CheapPrepend)
}

func TestRetrieveNegativePanics(t *testing.T) {
	b := New(8)
	b.AppendString("x")
	mustPanic(t, "Retrieve(-1)", func() { b.Retrieve(-1) })
	mustPanic(t, "HasWritten(-1)", func() { b.HasWritten(-1) })
	mustPanic(t, "HasWritten(too many)", func() { b.HasWritten(b.WritableBytes() + 1) })
	mustPanic(t, "Unwrite(too many)", func() { b.Unwrite(2) })
	mustPanic(t, "PeekInt32 short", func() { b.PeekInt32() })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestWritableHasWrittenUnwrite(t *testing.T) {
	b := New(16)
	n := copy(b.Writable(), "GET / HTTP/1.1")
	b.HasWritten(n)
	if b.PeekString() != "GET / HTTP/1.1" {
		t.Fatalf("after HasWritten: %q", b.PeekString())
	}
	b.Unwrite(9)
	if b.PeekString() != "GET /" {
		t.Fatalf("after Unwrite: %q", b.PeekString())
	}
}

func TestIOInterfaces(t *testing.T) {
	var b Buffer
	var _ io.Writer = &b
	var _ io.StringWriter = &b
	var _ io.ByteWriter = &b
	if _, err := io.Copy(&b, strings.NewReader(strings.Repeat("z", 5000))); err != nil {
		t.Fatal(err)
	}
	if b.PeekString() != strings.Repeat("z", 5000) {
		t.Fatal("io.Copy into Buffer lost bytes")
	}
}

func TestPrependCheapArea(t *testing.T) {
	b := New(64)
	b.AppendString("body")
	capBefore := b.Cap()
	b.PrependInt32(4)
	check(t, b, CheapPrepend-4, 8, capBefore-CheapPrepend-4)
	b.Prepend([]byte("ABCD"))
	check(t, b, 0, 12, capBefore-CheapPrepend-4)
	if b.Cap() != capBefore {
		t.Fatalf("prepend within the cheap area reallocated: cap %d -> %d", capBefore, b.Cap())
	}
	if got, want := b.Peek(), []byte("ABCD\x00\x00\x00\x04body"); !bytes.Equal(got, want) {
		t.Fatalf("content = %q, want %q", got, want)
	}
}

func TestPrependBiggerThanArea(t *testing.T) {
	b := New(64)
	b.AppendString("body")
	hdr := bytes.Repeat([]byte{'h'}, 20)
	b.Prepend(hdr)
	if got, want := b.PeekString(), strings.Repeat("h", 20)+"body"; got != want {
		t.Fatalf("content = %q, want %q", got, want)
	}
	// Once more, now that the prepend area is used up.
	b.PrependInt8(-1)
	if got, want := b.PeekString(), "\xff"+strings.Repeat("h", 20)+"body"; got != want {
		t.Fatalf("content = %q, want %q", got, want)
	}
}

// TestPrependAfterRetrieveNeedsMove covers a Prepend larger than the
// prepend area where the room behind the content is too small but the room
// in front plus behind is enough, so EnsureWritable moves the content to the
// front. Prepend must account for that move.
func TestPrependAfterRetrieveNeedsMove(t *testing.T) {
	b := New(32)
	b.Append(bytes.Repeat([]byte{'a'}, 30))
	b.AppendString("zz")
	b.Retrieve(20) // prependable 28, readable 12 ("aaaaaaaaaazz"), writable 0
	hdr := bytes.Repeat([]byte{'h'}, 30)
	b.Prepend(hdr)
	if got, want := b.PeekString(), strings.Repeat("h", 30)+strings.Repeat("a", 10)+"zz"; got != want {
		t.Fatalf("content = %q, want %q", got, want)
	}
	// And a prepend so large that the buffer must grow.
	huge := bytes.Repeat([]byte{'H'}, 200)
	b.Prepend(huge)
	if got, want := b.PeekString(), strings.Repeat("H", 200)+strings.Repeat("h", 30)+strings.Repeat("a", 10)+"zz"; got != want {
		t.Fatalf("content after huge prepend = %q, want %q", got, want)
	}
}

func TestPrependOnZeroAndAdopted(t *testing.T) {
	var b Buffer
	b.Prepend([]byte("hdr"))
	b.AppendString("body")
	if b.PeekString() != "hdrbody" {
		t.Fatalf("zero buffer prepend: %q", b.PeekString())
	}
	var a Buffer
	a.Adopt([]byte("payload......"), 7) // adopted: no prepend area
	a.PrependInt16(0x0102)
	if a.PeekString() != "\x01\x02payload" {
		t.Fatalf("adopted prepend: %q", a.PeekString())
	}
}

// Fill, consume most, append: moving the content to the front suffices, so
// the storage must not grow.
func TestMoveToFrontDoesNotGrow(t *testing.T) {
	b := New(100)
	b.Append(bytes.Repeat([]byte{'x'}, 100))
	b.Retrieve(90) // readable 10, writable 0, 90 spare bytes in front
	capBefore := b.Cap()
	b.Append(bytes.Repeat([]byte{'y'}, 80))
	if b.Cap() != capBefore {
		t.Fatalf("storage grew from %d to %d although moving to front was enough", capBefore, b.Cap())
	}
	check(t, b, CheapPrepend, 90, capBefore-CheapPrepend-90)
	if want := strings.Repeat("x", 10) + strings.Repeat("y", 80); b.PeekString() != want {
		t.Fatalf("content = %q", b.PeekString())
	}
	// Exactly enough room in front plus behind: still no growth.
	b.Retrieve(80) // readable 10, prependable 88, writable 10
	b.Append(bytes.Repeat([]byte{'z'}, 90))
	if b.Cap() != capBefore {
		t.Fatalf("storage grew from %d to %d on an exact fit", capBefore, b.Cap())
	}
	if want := strings.Repeat("y", 10) + strings.Repeat("z", 90); b.PeekString() != want {
		t.Fatalf("content = %q", b.PeekString())
	}
}

// A buffer consumed as fast as it is filled never grows.
func TestSteadyStateNeverGrows(t *testing.T) {
	b := New(64)
	capBefore := b.Cap()
	msg := bytes.Repeat([]byte{'m'}, 40)
	for i := 0; i < 1000; i++ {
		b.Append(msg)
		b.Retrieve(30)
		b.Retrieve(b.ReadableBytes())
	}
	if b.Cap() != capBefore {
		t.Fatalf("cap %d -> %d", capBefore, b.Cap())
	}
	// With a partial consumer the readable part stays small and the moves
	// keep the storage at its size too.
	for i := 0; i < 1000; i++ {
		b.Append(msg[:10])
		b.Retrieve(10)
		if b.ReadableBytes() > 0 {
			t.Fatal("leftover bytes")
		}
	}
	if b.Cap() != capBefore {
		t.Fatalf("cap %d -> %d", capBefore, b.Cap())
	}
}

func TestGrowWhenMoveIsNotEnough(t *testing.T) {
	b := New(100)
	b.Append(bytes.Repeat([]byte{'x'}, 100))
	b.Retrieve(50) // readable 50, 50 spare in front, 0 behind
	capBefore := b.Cap()
	b.Append(bytes.Repeat([]byte{'y'}, 51)) // needs 51 > 50
	if b.Cap() <= capBefore {
		t.Fatalf("storage did not grow: cap %d", b.Cap())
	}
	check(t, b, CheapPrepend, 101, b.Cap()-CheapPrepend-101)
	if want := strings.Repeat("x", 50) + strings.Repeat("y", 51); b.PeekString() != want {
		t.Fatalf("content = %q", b.PeekString())
	}
	// A single huge append grows enough at once.
	b.Append(make([]byte, 1<<20))
	if b.ReadableBytes() != 101+1<<20 {
		t.Fatalf("readable %d", b.ReadableBytes())
	}
}

func TestEnsureWritableOnZeroCapacityAdopted(t *testing.T) {
	var b Buffer
	b.Adopt([]byte{}, 0) // non-nil storage of capacity zero
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.AppendString("x")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // failure guard only
		t.Fatal("Append on a buffer adopting zero-capacity storage hangs")
	}
	if b.PeekString() != "x" {
		t.Fatalf("content = %q", b.PeekString())
	}
}
