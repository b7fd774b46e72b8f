// Package buffer provides Buffer, muduo's network buffer: a byte slice split
// into three regions by two indices,
//
//	+-------------------+------------------+------------------+
//	| prependable bytes |  readable bytes  |  writable bytes  |
//	|                   |     (CONTENT)    |                  |
//	+-------------------+------------------+------------------+
//	0      <=      readerIndex   <=   writerIndex    <=     len
//
// Parsers read from the readable region and Retrieve what they consumed;
// the connection appends incoming bytes to the writable region. The cheap
// prepend area in front lets a codec write a length header after it has
// written the body, without a copy.
//
// A Buffer is not safe for concurrent use. The zero value is an empty buffer
// that owns no memory: storage is allocated on first append, which is what
// lets an idle connection own nothing.
package buffer

import (
	"bytes"
	"unsafe"
)

// CheapPrepend is the number of bytes reserved in front of the readable
// region when a Buffer allocates storage, so that Prepend of a small header
// (a length, a type) needs no copy.
const CheapPrepend = 8

// InitialSize is the writable capacity a Buffer allocates on first use.
const InitialSize = 1024

// Buffer is a growable byte buffer with a prepend area, a readable region
// and a writable region. See the package documentation.
type Buffer struct {
	buf []byte // len(buf) == cap(buf): the whole storage
	r   int    // reader index
	w   int    // writer index
}

// New returns a Buffer with CheapPrepend bytes of prepend space and
// initialSize bytes of writable space.
func New(initialSize int) *Buffer {
	b := &Buffer{}
	b.allocate(initialSize)
	return b
}

func (b *Buffer) allocate(writable int) {
	b.buf = make([]byte, CheapPrepend+writable)
	b.r, b.w = CheapPrepend, CheapPrepend
}

// ReadableBytes reports how many bytes are waiting to be read.
func (b *Buffer) ReadableBytes() int { return b.w - b.r }

// Len is ReadableBytes, for symmetry with bytes.Buffer.
func (b *Buffer) Len() int { return b.w - b.r }

// WritableBytes reports how many bytes can be appended without growing.
func (b *Buffer) WritableBytes() int { return len(b.buf) - b.w }

// PrependableBytes reports how many bytes can be prepended without a copy.
func (b *Buffer) PrependableBytes() int { return b.r }

// Cap reports the size of the storage the buffer owns.
func (b *Buffer) Cap() int { return len(b.buf) }

// Peek returns the readable bytes without consuming them. The slice aliases
// the buffer: it is valid until the next call that appends, prepends,
// retrieves or shrinks.
func (b *Buffer) Peek() []byte { return b.buf[b.r:b.w:b.w] }

// PeekString returns the readable bytes as a string that ALIASES the buffer
// (no copy). It is valid only until the next call that mutates the buffer;
// use RetrieveAsString for a string that owns its memory.
func (b *Buffer) PeekString() string {
	if b.r == b.w {
		return ""
	}
	return unsafe.String(&b.buf[b.r], b.w-b.r)
}

// Retrieve consumes n readable bytes. It panics if n is negative; n larger
// than ReadableBytes consumes everything.
func (b *Buffer) Retrieve(n int) {
	if n < 0 {
		panic("buffer: Retrieve with negative count")
	}
	if n < b.w-b.r {
		b.r += n
		return
	}
	b.RetrieveAll()
}

// RetrieveAll consumes every readable byte and resets the indices so that
// the whole storage is writable again (and the prepend area is restored).
func (b *Buffer) RetrieveAll() {
	b.r, b.w = CheapPrepend, CheapPrepend
	if len(b.buf) < CheapPrepend {
		b.r, b.w = 0, 0
	}
}

// RetrieveAsString consumes n bytes and returns them as a new string.
func (b *Buffer) RetrieveAsString(n int) string {
	if n > b.w-b.r {
		n = b.w - b.r
	}
	s := string(b.buf[b.r : b.r+n])
	b.Retrieve(n)
	return s
}

// RetrieveAllAsString consumes everything and returns it as a new string.
func (b *Buffer) RetrieveAllAsString() string { return b.RetrieveAsString(b.w - b.r) }

// Append copies p to the end of the readable region, growing as needed.
func (b *Buffer) Append(p []byte) {
	b.EnsureWritable(len(p))
	b.w += copy(b.buf[b.w:], p)
}

// AppendString copies s to the end of the readable region.
func (b *Buffer) AppendString(s string) {
	b.EnsureWritable(len(s))
	b.w += copy(b.buf[b.w:], s)
}

// Write implements io.Writer; it never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	b.Append(p)
	return len(p), nil
}

// WriteString implements io.StringWriter; it never fails.
func (b *Buffer) WriteString(s string) (int, error) {
	b.AppendString(s)
	return len(s), nil
}

// WriteByte implements io.ByteWriter; it never fails.
func (b *Buffer) WriteByte(c byte) error {
	b.EnsureWritable(1)
	b.buf[b.w] = c
	b.w++
	return nil
}

// Prepend copies p in front of the readable region. It uses the prepend
// area when it is large enough, and otherwise moves the content.
func (b *Buffer) Prepend(p []byte) {
	if len(p) > b.r {
		// Not enough room in front: make room by shifting the content.
		need := len(p) - b.r
		b.EnsureWritable(need)
		// EnsureWritable may have moved the content to the front (to
		// CheapPrepend), which changes how far it has to shift; a second
		// call then can only grow, leaving the reader index in place.
		if need = len(p) - b.r; need > 0 {
			b.EnsureWritable(need)
			copy(b.buf[b.r+need:], b.buf[b.r:b.w])
			b.r += need
			b.w += need
		}
	}
	b.r -= len(p)
	copy(b.buf[b.r:], p)
}

// Writable returns the writable region: a caller may fill a prefix of it and
// then call HasWritten with the number of bytes filled.
func (b *Buffer) Writable() []byte { return b.buf[b.w:] }

// HasWritten marks n bytes of the writable region as readable.
func (b *Buffer) HasWritten(n int) {
	if n < 0 || n > len(b.buf)-b.w {
		panic("buffer: HasWritten out of range")
	}
	b.w += n
}

// Unwrite drops the last n readable bytes (undoes an append).
func (b *Buffer) Unwrite(n int) {
	if n < 0 || n > b.w-b.r {
		panic("buffer: Unwrite out of range")
	}
	b.w -= n
}

// EnsureWritable makes room for at least n more bytes. Like muduo's
// makeSpace it first tries to move the readable bytes to the front (keeping
// CheapPrepend bytes there) when the free space in front and behind together
// is enough, and allocates a larger array only when it is not: a buffer that
// is consumed as fast as it is filled never grows.
func (b *Buffer) EnsureWritable(n int) {
	if len(b.buf)-b.w >= n {
		return
	}
	if len(b.buf) == 0 { // no storage (or adopted storage of capacity 0)
		size := InitialSize
		for size < n {
			size *= 2
		}
		b.allocate(size)
		return
	}
	readable := b.w - b.r
	if b.r-CheapPrepend+len(b.buf)-b.w >= n {
		copy(b.buf[CheapPrepend:], b.buf[b.r:b.w])
		b.r, b.w = CheapPrepend, CheapPrepend+readable
		return
	}
	size := 2 * len(b.buf)
	for size < CheapPrepend+readable+n {
		size *= 2
	}
	nb := make([]byte, size)
	copy(nb[CheapPrepend:], b.buf[b.r:b.w])
	b.buf = nb
	b.r, b.w = CheapPrepend, CheapPrepend+readable
}

// Shrink moves the readable bytes into storage sized to hold them plus
// reserve writable bytes, giving memory back after a burst.
func (b *Buffer) Shrink(reserve int) {
	readable := b.w - b.r
	nb := make([]byte, CheapPrepend+readable+reserve)
	copy(nb[CheapPrepend:], b.buf[b.r:b.w])
	b.buf = nb
	b.r, b.w = CheapPrepend, CheapPrepend+readable
}

// Release drops the storage (the buffer becomes the zero value) and returns
// it, so that an owner can recycle it; the caller must not use the returned
// slice while the Buffer could still reference it (it no longer does).
func (b *Buffer) Release() []byte {
	s := b.buf
	b.buf, b.r, b.w = nil, 0, 0
	return s
}

// Adopt makes b use storage as its backing array, with the first n bytes of
// storage as the readable content (no prepend area). Any previous storage is
// forgotten. The event loop uses it to hand a message callback a Buffer over
// its shared read scratch without copying.
func (b *Buffer) Adopt(storage []byte, n int) {
	b.buf = storage[:cap(storage)]
	b.r, b.w = 0, n
}

// FindCRLF returns the index of the first "\r\n" in the readable bytes, or
// -1 if there is none.
func (b *Buffer) FindCRLF() int { return bytes.Index(b.Peek(), crlf) }

// FindCRLFFrom is FindCRLF starting at readable offset start, for parsers
// that resume where a previous search stopped.
func (b *Buffer) FindCRLFFrom(start int) int {
	if start < 0 || start > b.w-b.r {
		return -1
	}
	i := bytes.Index(b.buf[b.r+start:b.w], crlf)
	if i < 0 {
		return -1
	}
	return start + i
}

// FindEOL returns the index of the first '\n' in the readable bytes, or -1.
func (b *Buffer) FindEOL() int { return bytes.IndexByte(b.Peek(), '\n') }

// FindEOLFrom is FindEOL starting at readable offset start.
func (b *Buffer) FindEOLFrom(start int) int {
	if start < 0 || start > b.w-b.r {
		return -1
	}
	i := bytes.IndexByte(b.buf[b.r+start:b.w], '\n')
	if i < 0 {
		return -1
	}
	return start + i
}

var crlf = []byte("\r\n")
