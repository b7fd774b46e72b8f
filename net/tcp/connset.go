package tcp

import (
	"sync/atomic"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// connSet is the connections one owner has on one loop, as an intrusive
// doubly linked list: O(1) add and remove, no map and no allocation per
// connection. It is touched only on its loop; n is read elsewhere.
type connSet struct {
	loop *reactor.EventLoop
	head *Conn
	n    int

	wcPending []*Conn // connections whose WriteComplete is queued
	wcRunning []*Conn // swapped with wcPending while running
	wcFunc    func()  // runWriteComplete, bound once

	// Counters for Stats: written on the loop, read from anywhere.
	open, queued      atomic.Int64
	accepted, closed  atomic.Uint64
	bytesIn, bytesOut atomic.Uint64

	// Traffic is counted in plain fields by every read and write and
	// published to bytesIn/bytesOut once per loop iteration (publish, an
	// iteration hook): an atomic add per syscall was measurable.
	inCount, outCount uint64
	inPub, outPub     uint64
	fileCount         uint64 // of outCount, bytes sent by sendfile(2)
	filePub           uint64
	bytesSendFile     atomic.Uint64
	unhook            func()

	tlsScratch tlsScratch // the loop's TLS record buffers (tls.go)
}

// publish makes the traffic counted since the last iteration visible to
// Stats; run on the loop at the end of each iteration.
func (s *connSet) publish() {
	if s.inCount != s.inPub {
		s.inPub = s.inCount
		s.bytesIn.Store(s.inCount)
	}
	if s.outCount != s.outPub {
		s.outPub = s.outCount
		s.bytesOut.Store(s.outCount)
	}
	if s.fileCount != s.filePub {
		s.filePub = s.fileCount
		s.bytesSendFile.Store(s.fileCount)
	}
}

func (s *connSet) add(c *Conn) {
	c.prev, c.next = nil, s.head
	if s.head != nil {
		s.head.prev = c
	}
	s.head = c
	s.n++
	s.open.Add(1)
	s.accepted.Add(1)
}

func (s *connSet) remove(c *Conn) {
	if c.prev == nil && s.head != c {
		return // not in the list
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		s.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	s.n--
	s.open.Add(-1)
	s.closed.Add(1)
}

// each calls f for every connection; f may close the connection it is given.
func (s *connSet) each(f func(*Conn)) {
	for c := s.head; c != nil; {
		next := c.next
		f(c)
		c = next
	}
}

func (s *connSet) runWriteCompleteFunc() func() {
	if s.wcFunc == nil {
		s.wcFunc = s.runWriteComplete
	}
	return s.wcFunc
}

// runWriteComplete calls WriteComplete for every connection queued since
// the last run.
func (s *connSet) runWriteComplete() {
	s.wcPending, s.wcRunning = s.wcRunning[:0], s.wcPending
	for i, c := range s.wcRunning {
		s.wcRunning[i] = nil
		c.runWriteComplete()
	}
}
