package http

// A slot is one response's place in a connection's pipeline. Responses
// leave in request order (RFC 9112 9.3.2): a response that is not at the
// head of the queue collects its bytes in its slot until every response
// before it has gone out. Slots are only needed once some response is not
// finished when its handler returns (Detach, the worker pool); the common
// synchronous case writes straight into the loop's batch. Loop only.
type slot struct {
	buf    []byte
	done   bool
	final  bool // bytes of the final response were written (no 1xx may follow)
	next   *slot
	hijack HijackHandler // the response hands the connection over (Hijack)
	files  []fileSegment // file runs placed in buf (SendFile), at their offsets
}

// newSlot queues a slot at the tail. Whatever the batch holds belongs to
// earlier responses, so it goes out first.
func (c *conn) newSlot() *slot {
	c.flushBatch()
	s := &slot{}
	c.slots++
	if c.tail == nil {
		c.head, c.tail = s, s
	} else {
		c.tail.next, c.tail = s, s
	}
	return s
}

// slotWrite adds response bytes to s: straight to the socket when s is at
// the head of the pipeline, into s otherwise.
func (c *conn) slotWrite(s *slot, p []byte) {
	if len(p) == 0 || c.isClosed() {
		return
	}
	if s == c.head {
		c.send(p)
		return
	}
	s.buf = append(s.buf, p...)
}

// slotWriteFinal is slotWrite for the bytes of the final response (its
// head, its body): after them no 1xx response may be sent (RFC 9110 15.2).
func (c *conn) slotWriteFinal(s *slot, p []byte) {
	if len(p) > 0 {
		s.final = true
	}
	c.slotWrite(s, p)
}

// slotDone marks s finished and sends every finished response that is now
// at the head, plus the buffered part of the first unfinished one.
func (c *conn) slotDone(s *slot) {
	s.done = true
	for c.head != nil {
		h := c.head
		if len(h.files) > 0 {
			c.sendSlotBuf(h)
			h.buf = nil
		} else if len(h.buf) > 0 {
			c.send(h.buf)
			h.buf = nil
		}
		if !h.done {
			break
		}
		c.head = h.next
		c.slots--
		if c.head == nil {
			c.tail = nil
		}
		if h.hijack != nil {
			c.rareState().switchTo = h.hijack // nothing follows it
			c.head, c.tail, c.slots = nil, nil, 0
			return
		}
	}
}
