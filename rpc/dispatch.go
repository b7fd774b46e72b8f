package rpc

import (
	"bytes"
	"context"
	"reflect"
	"runtime/debug"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
)

// call is one decoded request object, ready to run or already answered.
type call struct {
	resp
	notify bool
	m      *method
	argv   reflect.Value
	params []byte // raw params for HandlerFunc methods
	err    *Error // set when the call is answered without running
}

// task is one blocking call queued for a worker. It finishes either a single
// Dispatch (done) or one slot of a batch.
type task struct {
	c     call
	ctx   context.Context
	sess  *Session
	done  func(Reply)
	batch *batch
	idx   int
}

// Dispatch handles one complete JSON text (a request or a batch) without a
// session: no per-connection in-flight limit applies and handlers receive
// ctx. done is called exactly once, possibly before Dispatch returns (see
// the package documentation). msg is not retained after Dispatch returns.
// Safe for concurrent use.
func (s *Server) Dispatch(ctx context.Context, msg []byte, done func(Reply)) {
	s.dispatch(ctx, nil, msg, done)
}

// Dispatch handles one complete JSON text for this session with the same
// contract as Server.Dispatch, counting blocking calls against
// WithMaxInFlight. Safe for concurrent use.
func (c *Session) Dispatch(msg []byte, done func(Reply)) {
	c.srv.dispatch(c.ctx, c, msg, done)
}

func (s *Server) dispatch(ctx context.Context, sess *Session, msg []byte, done func(Reply)) {
	if len(msg) > s.limits.MaxMessageSize {
		done(s.errorReply(resp{}, errTooLarge))
		return
	}
	switch validate(msg, s.limits.MaxDepth) {
	case textInvalid:
		done(s.errorReply(resp{}, errParse))
		return
	case textTooDeep:
		done(s.errorReply(resp{}, errTooDeep))
		return
	}
	i := skipSpace(msg, 0)
	switch msg[i] {
	case '{':
		s.dispatchSingle(ctx, sess, msg, i, done)
	case '[':
		s.dispatchBatch(ctx, sess, msg, i, done)
	default:
		done(s.errorReply(resp{}, errInvalidRequest))
	}
}

func (s *Server) dispatchSingle(ctx context.Context, sess *Session, msg []byte, i int, done func(Reply)) {
	var c call
	s.prepare(msg, i, &c)
	if c.err == nil && !c.m.inline {
		t := &task{ctx: ctx, sess: sess, done: done}
		if c.err = s.submit(t, &c); c.err == nil {
			return
		}
	}
	bb := s.bufs.Get()
	bb.B = s.execute(ctx, &c, bb.B[:0])
	done(s.reply(bb))
}

func (s *Server) reply(bb *bytebufferpool.ByteBuffer) Reply {
	if len(bb.B) == 0 {
		putBuffer(&s.bufs, bb)
		return Reply{}
	}
	return Reply{buf: bb, pool: &s.bufs}
}

// submit queues a blocking call, copying what it borrows from the input.
func (s *Server) submit(t *task, c *call) *Error {
	if t.sess != nil && t.sess.inflight.Add(1) > int64(s.opts.MaxInFlight) {
		t.sess.inflight.Add(-1)
		return errTooManyCalls
	}
	t.c = *c
	t.c.id = bytes.Clone(c.id)
	t.c.params = bytes.Clone(c.params)
	if err := s.pool.submit(t, s.runTask); err != nil {
		if t.sess != nil {
			t.sess.inflight.Add(-1)
		}
		return err
	}
	return nil
}

// runTask runs on a worker goroutine.
func (s *Server) runTask(t *task) {
	bb := s.bufs.Get()
	if t.ctx.Err() != nil {
		t.c.err = errCancelled
	}
	bb.B = s.execute(t.ctx, &t.c, bb.B[:0])
	if t.sess != nil {
		t.sess.inflight.Add(-1)
	}
	if t.batch != nil {
		t.batch.finish(t.idx, bb)
		return
	}
	t.done(s.reply(bb))
}

// execute runs c (unless it is already answered) and appends its response,
// if one is due, to b.
func (s *Server) execute(ctx context.Context, c *call, b []byte) []byte {
	if c.err != nil {
		s.countCall(c.m, c.err)
		if c.notify {
			return b
		}
		return s.appendError(b, c.resp, c.err)
	}
	result, err := s.invoke(ctx, c)
	s.countCall(c.m, err)
	switch {
	case c.notify:
		return b
	case err != nil:
		return s.appendError(b, c.resp, err)
	default:
		return s.appendResult(b, c.resp, result)
	}
}

// invoke calls the handler, turning a panic into an Internal error.
func (s *Server) invoke(ctx context.Context, c *call) (result any, rerr *Error) {
	m := c.m
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("rpc: handler panic", "method", m.name, "panic", r, "stack", string(debug.Stack()))
			result, rerr = nil, errInternal
		}
	}()
	if m.raw != nil {
		res, err := m.raw(ctx, c.params)
		if err != nil {
			return nil, toError(err)
		}
		return res, nil
	}
	replyv := reflect.New(m.replyType)
	if m.typed != nil {
		reply := replyv.Interface()
		if err := m.typed(ctx, c.argv.Interface(), reply); err != nil {
			return nil, toError(err)
		}
		return reply, nil
	}
	var in [4]reflect.Value
	n := 0
	if m.rcvr.IsValid() {
		in[n] = m.rcvr
		n++
	}
	if m.hasCtx {
		in[n] = reflect.ValueOf(ctx)
		n++
	}
	in[n], in[n+1] = c.argv, replyv
	out := m.fn.Call(in[:n+2])
	if e := out[0]; !e.IsNil() {
		return nil, toError(e.Interface().(error))
	}
	return replyv.Interface(), nil
}

// batch collects the responses of one batch; the last call to finish
// assembles the array and delivers it.
type batch struct {
	s       *Server
	done    func(Reply)
	parts   []*bytebufferpool.ByteBuffer
	pending atomic.Int64
}

func (s *Server) dispatchBatch(ctx context.Context, sess *Session, msg []byte, i int, done func(Reply)) {
	n := countElements(msg, i)
	if n == 0 {
		done(s.errorReply(resp{}, errInvalidRequest))
		return
	}
	if n > s.limits.MaxBatch {
		done(s.errorReply(resp{}, errBatchTooLarge))
		return
	}
	bt := &batch{s: s, done: done, parts: make([]*bytebufferpool.ByteBuffer, n)}
	bt.pending.Store(int64(n))
	idx := 0
	elements(msg, i, func(start, _ int) bool {
		var c call
		s.prepare(msg, start, &c)
		if c.err == nil && !c.m.inline {
			t := &task{ctx: ctx, sess: sess, batch: bt, idx: idx}
			if c.err = s.submit(t, &c); c.err == nil {
				idx++
				return true
			}
		}
		bb := s.bufs.Get()
		bb.B = s.execute(ctx, &c, bb.B[:0])
		bt.finish(idx, bb)
		idx++
		return true
	})
}

// finish stores the response of call idx (empty for none).
func (bt *batch) finish(idx int, bb *bytebufferpool.ByteBuffer) {
	if len(bb.B) == 0 {
		putBuffer(&bt.s.bufs, bb)
	} else {
		bt.parts[idx] = bb
	}
	if bt.pending.Add(-1) != 0 {
		return
	}
	s := bt.s
	out := s.bufs.Get()
	out.B = append(out.B[:0], '[')
	for _, p := range bt.parts {
		if p == nil {
			continue
		}
		if len(out.B) > 1 {
			out.B = append(out.B, ',')
		}
		out.B = append(out.B, p.B...)
		putBuffer(&s.bufs, p)
	}
	if len(out.B) == 1 {
		out.B = out.B[:0] // only notifications: no response at all
	} else {
		out.B = append(out.B, ']')
	}
	bt.done(s.reply(out))
}
