package rpc

import (
	"testing"

	"github.com/valyala/bytebufferpool"
)

// TestPutBufferDropsLarge: a reply buffer grown past maxPooledBuffer is not
// pooled, so one multi-MiB reply does not stay live after the load that
// made it (the chaos campaign saw it as RSS growth).
func TestPutBufferDropsLarge(t *testing.T) {
	var p bytebufferpool.Pool
	big := &bytebufferpool.ByteBuffer{B: make([]byte, 0, maxPooledBuffer+1)}
	putBuffer(&p, big)
	for range 100 {
		if got := p.Get(); got == big {
			t.Fatal("a buffer past maxPooledBuffer came back from the pool")
		}
	}
}
