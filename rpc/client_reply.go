package rpc

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// The client's reply side, on its loop: framing replies, matching them to
// calls and batches, and deciding when a reply is garbage that breaks the
// stream.

// onMessage frames replies and completes their calls, on the loop.
func (c *Client) onMessage(conn *tcp.Conn, in *buffer.Buffer, _ time.Time) {
	for {
		text, consumed, err := c.codec.Scan(in.Peek())
		if err != nil {
			c.logger.Warn("rpc client: unreadable reply stream; reconnecting", "err", err)
			in.RetrieveAll()
			conn.ForceClose()
			return
		}
		if text == nil {
			in.Retrieve(consumed)
			return
		}
		if err := c.handleReply(text); err != nil {
			// A reply that is not a JSON-RPC response can not be matched
			// to its call, which would otherwise wait for its deadline
			// (or for ever): the connection is dropped, failing the
			// calls in flight with ErrConnectionLost.
			c.logger.Warn("rpc client: unreadable reply; reconnecting", "err", err)
			in.RetrieveAll()
			conn.ForceClose()
			return
		}
		in.Retrieve(consumed)
	}
}

// envelopeJSON decodes reply envelopes (clientResponse). JSON-RPC's member
// names are case-sensitive: {"ID":1,"Result":5} is not a response, and is
// treated as the garbage it is rather than as a reply with no id. The
// result inside is decoded with the client's ordinary config.
func envelopeJSON() jsoniter.API {
	return jsoniter.Config{UseNumber: true, CaseSensitive: true}.Froze()
}

type clientResponse struct {
	ID     jsoniter.RawMessage `json:"id"`
	Result jsoniter.RawMessage `json:"result"`
	Error  *struct {
		Code    int                 `json:"code"`
		Message string              `json:"message"`
		Data    jsoniter.RawMessage `json:"data"`
	} `json:"error"`
}

func (c *Client) handleReply(text []byte) error {
	var resps []clientResponse
	if i := skipSpace(text, 0); i < len(text) && text[i] == '[' {
		if err := c.env.Unmarshal(text, &resps); err != nil {
			return fmt.Errorf("batch reply: %w", err)
		}
	} else {
		var r clientResponse
		if err := c.env.Unmarshal(text, &r); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		resps = append(resps, r)
	}
	for i := range resps {
		if err := c.complete(&resps[i]); err != nil {
			return err
		}
	}
	if len(text) > 0 && text[skipSpace(text, 0)] == '[' {
		c.failUnanswered(resps)
	}
	return nil
}

// failUnanswered fails the calls a batch reply left out. The reply to a
// batch holds the responses to all its calls (JSON-RPC 2.0, section 6), so
// a call of that batch still pending will get no reply: it fails now
// instead of waiting for its deadline (or for ever). The batch is the one
// holding an id of the reply; with none (an empty array), the oldest one
// still waiting. A reply with null ids rejected a batch as a whole and was
// handled by failOldestBatch.
func (c *Client) failUnanswered(resps []clientResponse) {
	ids := make(map[uint64]bool, len(resps))
	for i := range resps {
		id, err := strconv.ParseUint(string(resps[i].ID), 10, 64)
		if err != nil {
			return // a null or foreign id: not a reply we can hold to this rule
		}
		ids[id] = true
	}
	c.mu.Lock()
	var batch []*Call
	for _, b := range c.batches {
		for _, call := range b {
			if ids[call.id] || (len(ids) == 0 && c.pending[call.id] == call) {
				batch = b
				break
			}
		}
		if batch != nil {
			break
		}
	}
	var missing []*Call
	for _, call := range batch {
		if c.pending[call.id] == call {
			delete(c.pending, call.id)
			missing = append(missing, call)
		}
	}
	c.mu.Unlock()
	for _, call := range missing {
		call.finish(fmt.Errorf("%w: no response to %s in the batch reply", ErrInvalidResponse, call.Method))
	}
}

func (c *Client) complete(r *clientResponse) error {
	if (len(r.ID) == 0 || string(r.ID) == "null") && r.Error != nil {
		// Our requests always carry ids, so an error with a null id
		// rejects a whole batch (too long, too large) before any of its
		// calls ran. With no batch in flight the server could not read
		// what we sent: the stream is broken, and no call can be told
		// which reply is its own.
		if !c.failOldestBatch(r) {
			return fmt.Errorf("error reply without an id (%d %s) and no batch in flight", r.Error.Code, r.Error.Message)
		}
		return nil
	}
	if len(r.ID) == 0 {
		// Not a response at all (the id member is required): the
		// server and this client do not speak the same protocol.
		return errors.New("reply without an id")
	}
	id, err := strconv.ParseUint(string(r.ID), 10, 64)
	if err != nil {
		c.logger.Warn("rpc client: reply with an id we never sent", "id", string(r.ID))
		return nil
	}
	c.mu.Lock()
	call := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if call == nil || !call.claim() {
		return nil // cancelled meanwhile
	}
	call.Error = r.decodeInto(c.json, call)
	call.complete()
	return nil
}

// decodeInto turns a response into the call's outcome: an *Error from the
// server, or the result decoded into call.Reply.
func (r *clientResponse) decodeInto(j jsoniter.API, call *Call) error {
	if r.Error != nil {
		e := &Error{Code: r.Error.Code, Message: r.Error.Message}
		if len(r.Error.Data) > 0 {
			e.Data = r.Error.Data
		}
		return e
	}
	if len(r.Result) == 0 {
		return fmt.Errorf("%w to %s: neither result nor error", ErrInvalidResponse, call.Method)
	}
	if call.Reply != nil && len(r.Result) > 0 {
		if err := j.Unmarshal(r.Result, call.Reply); err != nil {
			return fmt.Errorf("rpc: decode result of %s: %w", call.Method, err)
		}
	}
	return nil
}

// failOldestBatch completes every call of the oldest batch in flight with
// the error of a reply that has no id. The server rejects a batch as a
// whole on the loop, in the order the batches arrived, so the oldest one
// still waiting is the one rejected. It reports false when no batch waits.
func (c *Client) failOldestBatch(r *clientResponse) bool {
	c.mu.Lock()
	var calls []*Call
	for len(c.batches) > 0 && calls == nil {
		b := c.batches[0]
		c.batches = c.batches[1:]
		for _, call := range b {
			if c.pending[call.id] == call {
				calls = b
				break
			}
		}
	}
	for _, call := range calls {
		delete(c.pending, call.id)
	}
	c.mu.Unlock()
	if calls == nil {
		return false
	}
	for _, call := range calls {
		// r carries an error: decodeInto writes nothing into Reply.
		call.finish(r.decodeInto(c.json, call))
	}
	return true
}

// forgetBatch drops a finished batch from the list of batches in flight.
func (c *Client) forgetBatch(calls []*Call) {
	for i, b := range c.batches {
		if len(b) > 0 && len(calls) > 0 && &b[0] == &calls[0] {
			c.batches = append(c.batches[:i], c.batches[i+1:]...)
			return
		}
	}
}
