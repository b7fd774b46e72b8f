package rpc

import (
	"context"
	"fmt"
)

// BatchElem is one request of a batch. A Notify element gets no reply.
// After Batch returns, Error holds the element's own outcome.
type BatchElem struct {
	Method string
	Params any
	Result any // decoded into from the result; may be nil
	Notify bool
	Error  error
}

// Batch sends the elements as one JSON-RPC batch and waits until every
// call has its reply (or ctx ends). The returned error is a transport
// error; each element's own error is in its Error field.
func (c *Client) Batch(ctx context.Context, elems []BatchElem) error {
	if len(elems) == 0 {
		return nil
	}
	if err := c.waitUp(ctx); err != nil {
		return err
	}
	done := make(chan *Call, len(elems))
	calls := make([]*Call, len(elems))
	parts := make([][]byte, len(elems))
	for i := range elems {
		e := &elems[i]
		calls[i] = &Call{Method: e.Method, Params: e.Params, Reply: e.Result, Done: done}
		b, err := c.encode(nil, calls[i], e.Notify)
		if err != nil {
			return fmt.Errorf("rpc: batch element %d: %w", i, err)
		}
		parts[i] = b
	}
	c.mu.Lock()
	if c.closed || c.conn == nil {
		c.mu.Unlock()
		return ErrNotConnected
	}
	msg := []byte{'['}
	waiting := 0
	for i, p := range parts {
		if i > 0 {
			msg = append(msg, ',')
		}
		if !elems[i].Notify {
			c.nextID++
			calls[i].id = c.nextID
			p = c.patchID(p, calls[i].id)
			c.pending[calls[i].id] = calls[i]
			waiting++
		}
		msg = append(msg, p[:len(p)-1]...) // drop each element's newline
	}
	msg = append(msg, ']', '\n')
	var waitingCalls []*Call
	for i, call := range calls {
		if !elems[i].Notify {
			waitingCalls = append(waitingCalls, call)
		}
	}
	if len(waitingCalls) > 0 {
		c.batches = append(c.batches, waitingCalls)
	}
	err := c.conn.Send(msg)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.forgetBatch(waitingCalls)
		c.mu.Unlock()
	}()
	if err != nil {
		c.forget(calls)
		return ErrConnectionLost
	}
	for ; waiting > 0; waiting-- {
		select {
		case <-done:
		case <-ctx.Done():
			// Give up on the calls still pending; those whose replies
			// are being decoded right now are waited for, so that no
			// Result is written after Batch returns.
			for i, call := range calls {
				if !elems[i].Notify && call.state.CompareAndSwap(callWaiting, callDropped) {
					waiting--
				}
			}
			for ; waiting > 0; waiting-- {
				<-done
			}
			c.forget(calls)
			return ctx.Err()
		}
	}
	for i := range elems {
		elems[i].Error = calls[i].Error
	}
	return nil
}

func (c *Client) forget(calls []*Call) {
	c.mu.Lock()
	for _, call := range calls {
		delete(c.pending, call.id)
	}
	c.mu.Unlock()
}
