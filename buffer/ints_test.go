package buffer

import (
	"bytes"
	"math"
	"testing"
)

func TestIntsAppendBigEndian(t *testing.T) {
	var b Buffer
	b.AppendInt8(-2)
	b.AppendInt16(0x0102)
	b.AppendInt32(0x03040506)
	b.AppendInt64(0x0708090a0b0c0d0e)
	b.AppendInt16(-2)
	want := []byte{
		0xfe,
		0x01, 0x02,
		0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
		0xff, 0xfe,
	}
	if got := b.Peek(); !bytes.Equal(got, want) {
		t.Fatalf("raw bytes = % x, want % x", got, want)
	}
	if b.PeekInt8() != -2 {
		t.Fatalf("PeekInt8 = %d", b.PeekInt8())
	}
	if got := b.ReadInt8(); got != -2 {
		t.Fatalf("ReadInt8 = %d", got)
	}
	if got := b.PeekInt16(); got != 0x0102 {
		t.Fatalf("PeekInt16 = %#x", got)
	}
	if got := b.ReadInt16(); got != 0x0102 {
		t.Fatalf("ReadInt16 = %#x", got)
	}
	if got := b.PeekInt32(); got != 0x03040506 {
		t.Fatalf("PeekInt32 = %#x", got)
	}
	if got := b.ReadInt32(); got != 0x03040506 {
		t.Fatalf("ReadInt32 = %#x", got)
	}
	if got := b.PeekInt64(); got != 0x0708090a0b0c0d0e {
		t.Fatalf("PeekInt64 = %#x", got)
	}
	if got := b.ReadInt64(); got != 0x0708090a0b0c0d0e {
		t.Fatalf("ReadInt64 = %#x", got)
	}
	if got := b.ReadInt16(); got != -2 {
		t.Fatalf("ReadInt16 = %d", got)
	}
	if b.ReadableBytes() != 0 {
		t.Fatalf("%d bytes left", b.ReadableBytes())
	}
}

func TestIntsRoundTripExtremes(t *testing.T) {
	var b Buffer
	i8 := []int8{0, 1, -1, math.MinInt8, math.MaxInt8}
	i16 := []int16{0, 1, -1, math.MinInt16, math.MaxInt16}
	i32 := []int32{0, 1, -1, math.MinInt32, math.MaxInt32}
	i64 := []int64{0, 1, -1, math.MinInt64, math.MaxInt64}
	for i := range i8 {
		b.AppendInt8(i8[i])
		b.AppendInt16(i16[i])
		b.AppendInt32(i32[i])
		b.AppendInt64(i64[i])
	}
	for i := range i8 {
		if got := b.ReadInt8(); got != i8[i] {
			t.Errorf("int8 %d: got %d", i8[i], got)
		}
		if got := b.ReadInt16(); got != i16[i] {
			t.Errorf("int16 %d: got %d", i16[i], got)
		}
		if got := b.ReadInt32(); got != i32[i] {
			t.Errorf("int32 %d: got %d", i32[i], got)
		}
		if got := b.ReadInt64(); got != i64[i] {
			t.Errorf("int64 %d: got %d", i64[i], got)
		}
	}
}

func TestIntsPrependBigEndian(t *testing.T) {
	b := New(32)
	b.AppendString("payload")
	b.PrependInt32(7)
	if got, want := b.Peek()[:4], []byte{0, 0, 0, 7}; !bytes.Equal(got, want) {
		t.Fatalf("length header = % x, want % x", got, want)
	}
	b.PrependInt16(0x0a0b)
	b.PrependInt8(0x11)
	// The cheap area is used up now (1+2+4 = 7 of 8); this one must move.
	b.PrependInt64(0x0102030405060708)
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x0a, 0x0b, 0, 0, 0, 7, 'p', 'a', 'y', 'l', 'o', 'a', 'd'}
	if got := b.Peek(); !bytes.Equal(got, want) {
		t.Fatalf("raw bytes = % x, want % x", got, want)
	}
	if b.ReadInt64() != 0x0102030405060708 || b.ReadInt8() != 0x11 || b.ReadInt16() != 0x0a0b || b.ReadInt32() != 7 {
		t.Fatal("prepended ints did not read back")
	}
	if b.RetrieveAllAsString() != "payload" {
		t.Fatal("payload lost")
	}
}

func TestIntsPeekShortPanics(t *testing.T) {
	var b Buffer
	mustPanic(t, "PeekInt8 on empty", func() { b.PeekInt8() })
	b.AppendInt8(1)
	mustPanic(t, "PeekInt16 with 1 byte", func() { b.PeekInt16() })
	b.AppendInt16(1)
	mustPanic(t, "PeekInt64 with 3 bytes", func() { b.PeekInt64() })
	// The failed peeks consumed nothing.
	if b.ReadableBytes() != 3 {
		t.Fatalf("readable = %d", b.ReadableBytes())
	}
}
