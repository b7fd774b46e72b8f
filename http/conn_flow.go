package http

// Flow control of a connection: when it stops reading (too many responses
// in the making, a client that does not read, a request that must be
// answered before the next starts) and what starts it again.

// pipelineFull reports that as many responses as WithMaxPipeline allows
// are in the making: detached ones, and finished ones that wait in the
// pipeline behind an unfinished one (they hold their bytes until then).
func (c *conn) pipelineFull() bool {
	return c.inflight >= c.ls.srv.maxPipeline || c.slots >= c.ls.srv.maxPipeline
}

// outputFull reports that the client is not reading: the unsent output,
// counting the responses batched in this callback, is over the limit.
func (c *conn) outputFull() bool {
	return c.tc.OutputBytes()+len(c.ls.out) > c.ls.srv.maxQueuedOutput
}

// pause stops reading: too many responses are being made, or the client is
// not reading what we send. resume picks up where it stopped; besides the
// events that end the other reasons (a detached response finishing, a
// streamed body read), the output draining calls it, through a
// WriteComplete callback the connection has only while paused: the
// connections that never pause pay nothing on their writes.
func (c *conn) pause() {
	if !c.paused {
		c.paused = true
		c.tc.StopRead()
		c.tc.SetWriteCompleteCallback(c.ls.srv.resumeOnDrain)
	}
	if c.outputFull() {
		// The client is not reading its responses. It gets the idle
		// timeout to start again, or the connection is closed: a peer
		// that never reads must not hold its memory forever.
		c.setDeadline(dlWrite)
	}
}

func (c *conn) resume() {
	// While a body streams, only its reader holds it back: the reasons to
	// start no new request (a full pipeline, a request that must be
	// answered first) do not stop the body that request is reading.
	if !c.paused || c.isClosed() || c.streamFull() || c.outputFull() ||
		(c.phase != phaseStream && (c.pipelineFull() || c.awaitingSwitch())) {
		return
	}
	c.paused = false
	c.updateDrainCallback()
	c.tc.StartRead()
	c.process(c.tc.Input())
}

// updateDrainCallback keeps the connection's WriteComplete callback set
// exactly while someone waits for its output to drain: a paused connection,
// or detached writers blocked in Flush (drainWaiters).
func (c *conn) updateDrainCallback() {
	if c.paused || (c.rare != nil && len(c.rare.drainWaiters) > 0) {
		c.tc.SetWriteCompleteCallback(c.ls.srv.resumeOnDrain)
	} else {
		c.tc.SetWriteCompleteCallback(nil)
	}
}

// wakeDrainWaiters releases the writers waiting for the output to drain
// (it has, or the connection closed).
func (c *conn) wakeDrainWaiters() {
	if c.rare == nil {
		return
	}
	for _, ch := range c.rare.drainWaiters {
		close(ch)
	}
	c.rare.drainWaiters = nil
}
