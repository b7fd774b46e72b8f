package buffer

import "encoding/binary"

// Integer helpers in network byte order (big endian), as muduo's Buffer has.
// The Peek forms panic if fewer readable bytes are available than the width;
// callers check ReadableBytes first, as a codec does before it decodes.

// AppendInt8 appends x.
func (b *Buffer) AppendInt8(x int8) { _ = b.WriteByte(byte(x)) }

// AppendInt16 appends x in network byte order.
func (b *Buffer) AppendInt16(x int16) {
	b.EnsureWritable(2)
	binary.BigEndian.PutUint16(b.buf[b.w:], uint16(x))
	b.w += 2
}

// AppendInt32 appends x in network byte order.
func (b *Buffer) AppendInt32(x int32) {
	b.EnsureWritable(4)
	binary.BigEndian.PutUint32(b.buf[b.w:], uint32(x))
	b.w += 4
}

// AppendInt64 appends x in network byte order.
func (b *Buffer) AppendInt64(x int64) {
	b.EnsureWritable(8)
	binary.BigEndian.PutUint64(b.buf[b.w:], uint64(x))
	b.w += 8
}

// PrependInt8 prepends x.
func (b *Buffer) PrependInt8(x int8) { b.Prepend([]byte{byte(x)}) }

// PrependInt16 prepends x in network byte order.
func (b *Buffer) PrependInt16(x int16) {
	var a [2]byte
	binary.BigEndian.PutUint16(a[:], uint16(x))
	b.Prepend(a[:])
}

// PrependInt32 prepends x in network byte order.
func (b *Buffer) PrependInt32(x int32) {
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], uint32(x))
	b.Prepend(a[:])
}

// PrependInt64 prepends x in network byte order.
func (b *Buffer) PrependInt64(x int64) {
	var a [8]byte
	binary.BigEndian.PutUint64(a[:], uint64(x))
	b.Prepend(a[:])
}

// PeekInt8 returns the first readable byte as an int8 without consuming it.
func (b *Buffer) PeekInt8() int8 { return int8(b.Peek()[0]) }

// PeekInt16 returns the first two readable bytes as a big-endian int16.
func (b *Buffer) PeekInt16() int16 { return int16(binary.BigEndian.Uint16(b.Peek())) }

// PeekInt32 returns the first four readable bytes as a big-endian int32.
func (b *Buffer) PeekInt32() int32 { return int32(binary.BigEndian.Uint32(b.Peek())) }

// PeekInt64 returns the first eight readable bytes as a big-endian int64.
func (b *Buffer) PeekInt64() int64 { return int64(binary.BigEndian.Uint64(b.Peek())) }

// ReadInt8 consumes and returns an int8.
func (b *Buffer) ReadInt8() int8 { x := b.PeekInt8(); b.Retrieve(1); return x }

// ReadInt16 consumes and returns a big-endian int16.
func (b *Buffer) ReadInt16() int16 { x := b.PeekInt16(); b.Retrieve(2); return x }

// ReadInt32 consumes and returns a big-endian int32.
func (b *Buffer) ReadInt32() int32 { x := b.PeekInt32(); b.Retrieve(4); return x }

// ReadInt64 consumes and returns a big-endian int64.
func (b *Buffer) ReadInt64() int64 { x := b.PeekInt64(); b.Retrieve(8); return x }
