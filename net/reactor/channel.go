package reactor

// Handler receives a Channel's events. Its methods are called on the
// channel's loop goroutine only, in the order described in the package
// documentation. An interface rather than four func fields: a connection
// implements it with its own methods, so registering one allocates no
// closures.
type Handler interface {
	// OnReadable: data (or the peer's FIN) is waiting to be read.
	OnReadable()
	// OnWritable: the socket has room in its send buffer.
	OnWritable()
	// OnClose: the fd hung up with nothing left to read.
	OnClose()
	// OnError: epoll reported EPOLLERR; the handler reads SO_ERROR itself.
	OnError()
}

// HandlerFuncs adapts four optional functions to a Handler, for owners that
// are not worth a type of their own (the wakeup fd, an acceptor, tests).
type HandlerFuncs struct {
	Read, Write, Close, Error func()
}

// OnReadable implements Handler.
func (h *HandlerFuncs) OnReadable() { call(h.Read) }

// OnWritable implements Handler.
func (h *HandlerFuncs) OnWritable() { call(h.Write) }

// OnClose implements Handler.
func (h *HandlerFuncs) OnClose() { call(h.Close) }

// OnError implements Handler.
func (h *HandlerFuncs) OnError() { call(h.Error) }

func call(f func()) {
	if f != nil {
		f()
	}
}

// Channel is one fd's registration on one EventLoop: the fd, the events of
// interest and the Handler that receives them. As in muduo, a Channel does
// not own its fd: its owner (an acceptor, a connection) closes the fd after
// calling Remove. All methods must be called on the loop's goroutine.
//
// The zero Channel is not usable; call Init. A Channel is small and meant to
// be embedded by value in its owner.
type Channel struct {
	loop    *EventLoop
	handler Handler
	fd      int32
	events  uint32 // interest set
	seq     int32  // registration sequence, carried in every epoll event
	added   bool   // registered with the poller
}

// Init binds c to loop, fd and handler. It registers nothing yet.
func (c *Channel) Init(loop *EventLoop, fd int, h Handler) {
	*c = Channel{loop: loop, handler: h, fd: int32(fd)}
}

// Fd returns the channel's fd.
func (c *Channel) Fd() int { return int(c.fd) }

// Loop returns the loop the channel belongs to.
func (c *Channel) Loop() *EventLoop { return c.loop }

// Events returns the current interest set.
func (c *Channel) Events() uint32 { return c.events }

// IsReading reports whether read interest is enabled.
func (c *Channel) IsReading() bool { return c.events&EventRead != 0 }

// IsWriting reports whether write interest is enabled.
func (c *Channel) IsWriting() bool { return c.events&EventWrite != 0 }

// IsNoneEvent reports whether no interest is enabled.
func (c *Channel) IsNoneEvent() bool { return c.events == 0 }

// EnableReading adds read interest (with EPOLLRDHUP, so a peer's FIN wakes
// the loop even when it sent no data).
func (c *Channel) EnableReading() error { return c.update(c.events | EventRead | eventRDHUP) }

// DisableReading removes read interest: the basis of backpressure.
func (c *Channel) DisableReading() error {
	return c.update(c.events &^ (EventRead | eventRDHUP))
}

// EnableWriting adds write interest. Enable it only while output is queued:
// with level-triggered epoll a writable socket would wake the loop forever.
func (c *Channel) EnableWriting() error { return c.update(c.events | EventWrite) }

// DisableWriting removes write interest.
func (c *Channel) DisableWriting() error { return c.update(c.events &^ EventWrite) }

// DisableAll removes all interest but keeps the registration.
func (c *Channel) DisableAll() error { return c.update(0) }

func (c *Channel) update(events uint32) error {
	c.loop.assertInLoop()
	if c.added && events == c.events {
		return nil
	}
	c.events = events
	return c.loop.updateChannel(c)
}

// Forget records that the owner closed the fd: Fd returns -1 from now on,
// so a stale owner can not reach a new file that got the same number. Call
// it after Remove and close. Loop goroutine only.
func (c *Channel) Forget() { c.fd = -1 }

// Remove unregisters the channel. After Remove returns no callback of c runs
// again, including for events already fetched in the current batch.
func (c *Channel) Remove() error {
	c.loop.assertInLoop()
	c.events = 0
	return c.loop.removeChannel(c)
}

// handleEvent dispatches one epoll event in the documented order, stopping
// as soon as the channel is no longer the registration the event was for.
func (c *Channel) handleEvent(revents uint32, seq int32) {
	alive := func() bool { return c.added && c.seq == seq }
	if revents&evHup != 0 && revents&evIn == 0 {
		c.handler.OnClose()
		return
	}
	if revents&evErr != 0 {
		c.handler.OnError()
		if !alive() {
			return
		}
	}
	if revents&(evIn|evPri|evRdhup|evHup) != 0 {
		c.handler.OnReadable()
		if !alive() {
			return
		}
	}
	if revents&evOut != 0 {
		c.handler.OnWritable()
	}
}
