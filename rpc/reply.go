package rpc

import (
	"github.com/valyala/bytebufferpool"
)

// Reply is the complete response to one Dispatch: a single response object,
// a batch array, or nothing (Empty). Its bytes live in a pooled buffer owned
// by whoever received the Reply, who must call Release exactly once after
// the bytes have been written or copied. A Reply may be passed to (and
// released on) another goroutine; it must not be used after Release.
type Reply struct {
	buf  *bytebufferpool.ByteBuffer
	pool *bytebufferpool.Pool
}

// Empty reports whether no response is due (the text held only
// notifications). Releasing an empty Reply is a no-op.
func (r Reply) Empty() bool { return r.buf == nil }

// Bytes returns the response JSON (without any framing). It is valid until
// Release.
func (r Reply) Bytes() []byte {
	if r.buf == nil {
		return nil
	}
	return r.buf.B
}

// Release returns the buffer to the Server's pool.
func (r Reply) Release() {
	if r.buf != nil {
		putBuffer(r.pool, r.buf)
	}
}

// resp is the per-call response writer state.
type resp struct {
	id []byte // raw id bytes; nil means null
	v1 bool
}

var (
	nullBytes  = []byte("null")
	jsonrpcPre = []byte(`{"jsonrpc":"2.0","id":`)
)

func (s *Server) writeHead(b []byte, r resp) []byte {
	if r.v1 {
		b = append(b, `{"id":`...)
	} else {
		b = append(b, jsonrpcPre...)
	}
	if r.id == nil {
		return append(b, nullBytes...)
	}
	return append(b, r.id...)
}

// appendResult appends a success response. If result cannot be encoded the
// response becomes an Internal error.
func (s *Server) appendResult(b []byte, r resp, result any) []byte {
	start := len(b)
	b = s.writeHead(b, r)
	b = append(b, `,"result":`...)
	st := s.json.BorrowStream(nil)
	st.SetBuffer(b)
	st.WriteVal(result)
	b = st.Buffer()
	failed := st.Error != nil
	st.SetBuffer(nil) // never leave our buffer inside jsoniter's pool
	s.json.ReturnStream(st)
	if failed {
		s.log.Error("rpc: cannot encode result", "error", st.Error)
		s.countError(errInternal)
		return s.appendError(b[:start], r, errInternal)
	}
	if r.v1 {
		b = append(b, `,"error":null`...)
	}
	return append(b, '}')
}

// appendError appends an error response.
func (s *Server) appendError(b []byte, r resp, e *Error) []byte {
	b = s.writeHead(b, r)
	if r.v1 {
		b = append(b, `,"result":null,"error":`...)
		return s.appendString(b, e.Message)
	}
	b = append(b, `,"error":{"code":`...)
	st := s.json.BorrowStream(nil)
	st.SetBuffer(b)
	st.WriteInt(e.Code)
	st.WriteRaw(`,"message":`)
	st.WriteString(e.Message)
	if e.Data != nil {
		mark := len(st.Buffer())
		st.WriteRaw(`,"data":`)
		st.WriteVal(e.Data)
		if st.Error != nil {
			st.Error = nil
			st.SetBuffer(st.Buffer()[:mark])
		}
	}
	b = append(st.Buffer(), "}}"...)
	st.SetBuffer(nil)
	s.json.ReturnStream(st)
	return b
}

func (s *Server) appendString(b []byte, str string) []byte {
	st := s.json.BorrowStream(nil)
	st.SetBuffer(b)
	st.WriteString(str)
	b = st.Buffer()
	st.SetBuffer(nil)
	s.json.ReturnStream(st)
	return append(b, '}')
}

// errorReply builds a complete Reply holding one error response.
func (s *Server) errorReply(r resp, e *Error) Reply {
	s.countError(e)
	bb := s.bufs.Get()
	bb.B = s.appendError(bb.B[:0], r, e)
	return Reply{buf: bb, pool: &s.bufs}
}

// appendScanError appends to dst the reply a transport sends before closing
// a stream whose codec reported err (ErrInvalidStream -> -32700 Parse error,
// ErrMessageTooLarge / ErrTooDeep -> -32600 with a data string). Safe for
// concurrent use.
func (s *Server) appendScanError(dst []byte, err error) []byte {
	e := scanErrorObject(err)
	s.countError(e)
	return s.appendError(dst, resp{}, e)
}

// maxPooledBuffer: a buffer grown past this by one large reply is dropped
// rather than pooled. bytebufferpool keeps every size until it has
// calibrated (42,000 puts), so a few multi-MiB replies stayed live after
// the load that made them and read as RSS growth in the chaos campaign.
const maxPooledBuffer = 64 << 10

// putBuffer returns bb to p unless it grew past maxPooledBuffer.
func putBuffer(p *bytebufferpool.Pool, bb *bytebufferpool.ByteBuffer) {
	if cap(bb.B) <= maxPooledBuffer {
		p.Put(bb)
	}
}
