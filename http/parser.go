package http

import "bytes"

// Parser states. The request line is scanned byte by byte (it has to be
// validated byte by byte anyway, and that is what lets an overlong target be
// refused before its line ends); field lines are found with bytes.IndexByte
// and validated once complete.
const (
	stStart   uint8 = iota // skipping empty lines before the request line
	stMethod               // in the method; mark = request line start
	stTarget               // in the request-target; mark = its start
	stVersion              // in the version; mark = its start
	stRLLF                 // saw CR after the version, need LF
	stHeaders              // in the field lines; lineStart = current line
	stDone                 // head complete; req is valid
	stFailed               // err is set; the connection must be closed
)

// The contract with the connection glue (conn.go).
//
// The parser works on plain []byte and knows nothing about sockets. From
// the connection's message callback (on its event-loop goroutine) the glue
// passes data = every unconsumed byte of the input buffer:
//
//	req, err := c.parser.Parse(data)
//	switch {
//	case err != nil: // answer StatusOf(err), then close: never read on
//	case req == nil: // head incomplete: wait for more bytes
//	case req.isChunked():
//		body := data[req.headLength():]
//		done, err := c.chunks.Decode(body) // decodes in place
//		// when done: decoded body is body[:c.chunks.Len()], and the
//		// request occupies req.headLength()+c.chunks.Consumed() bytes.
//	default:
//		// body is data[req.headLength():][:max(req.ContentLength(), 0)]
//	}
//	// after the handler: consume the request's bytes, then
//	// c.parser.Reset() and c.chunks.Reset(limits) for the next one.
//
// Between calls the glue may append bytes and may move the buffer (growth,
// compaction) as long as the unconsumed bytes keep their order: parser and
// decoder keep only offsets from the start of data, never slices, and each
// call only examines bytes it has not examined before, so a client sending
// one byte per read costs linear time.
//
// Every error is an *Error carrying the status the server must answer with;
// after it the connection must be closed, because the framing of anything
// that follows can no longer be trusted (reading on would open the door to
// request smuggling).
//
// parser incrementally parses one request head at a time from a
// connection's input. Its zero value is ready to use with the default
// Limits. It is meant to live in the per-connection context and be used
// only by the connection's event-loop goroutine; it is not safe for
// concurrent use.
//
// Size: the parser's own state is 176 bytes on 64-bit platforms (asserted
// by a test; fields the server adds to Request for its handlers come on
// top), plus the reused header index of 16 bytes per field line of the
// largest request seen so far. Nothing else is retained between requests.
type parser struct {
	req       Request
	lim       Limits
	err       *Error
	scanned   int    // bytes examined; lets tests prove resumption is linear
	pos       uint32 // next byte of data to examine
	lineStart uint32 // start of the field line being scanned
	mark      uint32 // start of the request-line component being scanned
	state     uint8
}

// newParser returns a parser enforcing l (zero fields take defaults).
func newParser(l Limits) *parser {
	p := &parser{}
	p.SetLimits(l)
	return p
}

// SetLimits changes the limits; zero fields take defaults. Call it between
// requests, from the goroutine that owns the parser.
func (p *parser) SetLimits(l Limits) { p.lim = l.withDefaults() }

// Reset prepares the parser for the next request on the same connection,
// after the glue has consumed the previous request's head and body. Header
// storage is kept, so steady-state parsing does not allocate.
func (p *parser) Reset() {
	p.req.reset()
	p.err = nil
	p.pos, p.lineStart, p.mark, p.state = 0, 0, 0, stStart
}

// Parse continues parsing the head at the start of data, which must be all
// unconsumed input of the connection: the same bytes as on the previous call
// (possibly moved to another array) followed by any new ones.
//
// It returns (req, nil) once the head is complete; req points into the
// parser, its views alias data, and the body starts at data[req.headLength()].
// It returns (nil, nil) when more input is needed, and (nil, err) with an
// *Error when the request must be refused; the parser then stays failed
// until Reset. Calling Parse again after completion returns the same
// request rebound to the new data. Work per call is proportional to the new
// bytes only, and it never allocates except to grow the header index.
func (p *parser) Parse(data []byte) (*Request, error) {
	switch {
	case p.state == stDone:
		p.req.buf = data
		return &p.req, nil
	case p.state == stFailed:
		return nil, p.err
	case len(data) < int(p.pos):
		return p.fail(errShrunk)
	}
	if p.lim.MaxHeaderBytes == 0 {
		p.lim = p.lim.withDefaults() // zero parser
	}
	if p.state < stHeaders {
		if done, err := p.requestLine(data); err != nil || !done {
			if err != nil {
				return p.fail(err)
			}
			return nil, nil
		}
	}
	done, err := p.fields(data)
	if err == nil && done {
		err = p.finish()
	}
	if err != nil {
		return p.fail(err)
	}
	if !done {
		return nil, nil
	}
	p.state = stDone
	p.req.buf = data
	return &p.req, nil
}

// oversized returns the request of a head refused only because its
// declared body is over MaxBodyBytes, rebound to data, or nil: such a head
// was parsed to its end and judged valid but for that (finish checks the
// body size last), so the server may still route it.
func (p *parser) oversized(data []byte) *Request {
	if p.state != stFailed || p.err != ErrBodyTooLarge || p.req.headLen == 0 {
		return nil
	}
	p.req.buf = data
	return &p.req
}

func (p *parser) fail(err *Error) (*Request, error) {
	p.state, p.err = stFailed, err
	return nil, err
}

// requestLine advances through the request line. It never looks past
// MaxHeaderBytes, so an endless line costs at most that much scanning.
func (p *parser) requestLine(data []byte) (bool, *Error) {
	if p.state == stStart && p.pos == 0 {
		if ok, err := p.quickRequestLine(data); ok || err != nil {
			return ok && err == nil, err
		}
	}
	end := min(len(data), p.lim.MaxHeaderBytes)
	i, mark, st := int(p.pos), int(p.mark), p.state
	for i < end {
		switch st {
		case stStart:
			// RFC 9112 2.2: tolerate empty lines before the request
			// line (sent by some clients after a POST body).
			switch data[i] {
			case '\r':
				if i+1 == end {
					goto more
				}
				if data[i+1] != '\n' {
					return false, ErrBareCR
				}
				i += 2
			case '\n':
				return false, ErrBareLF
			default:
				mark, st = i, stMethod
			}
		case stMethod:
			for i < end && classes[data[i]]&clsToken != 0 {
				if i-mark >= maxMethodBytes {
					return false, ErrMethodTooLong
				}
				i++
			}
			if i == end {
				goto more
			}
			if data[i] != ' ' || i == mark {
				return false, ErrMethod
			}
			p.req.method = span{uint32(mark), uint32(i - mark)}
			i++
			mark, st = i, stTarget
		case stTarget:
			// Stop one byte past the limit so an overlong target is
			// refused as soon as it is seen, whatever follows.
			stop := min(end, mark+p.lim.MaxTargetBytes+1)
			for i < stop && classes[data[i]]&clsTarget != 0 {
				i++
			}
			if i-mark > p.lim.MaxTargetBytes {
				return false, ErrTargetTooLong
			}
			if i == end {
				goto more
			}
			if data[i] != ' ' || i == mark {
				if data[i] == ' ' || data[i] == '\r' || data[i] == '\n' {
					return false, ErrRequestLine
				}
				return false, ErrTarget
			}
			p.req.target = span{uint32(mark), uint32(i - mark)}
			i++
			mark, st = i, stVersion
		case stVersion:
			c := data[i]
			if c == '\r' {
				st = stRLLF
			} else if c == '\n' {
				return false, ErrBareLF
			} else if i-mark >= len("HTTP/1.1") {
				return false, ErrVersion
			}
			i++
		case stRLLF:
			if data[i] != '\n' {
				return false, ErrBareCR
			}
			if err := p.version(data[mark : i-1]); err != nil {
				return false, err
			}
			if err := p.parseTarget(data); err != nil {
				return false, err
			}
			i++
			p.save(i, i, stHeaders)
			p.lineStart = uint32(i)
			return true, nil
		}
	}
more:
	p.save(i, mark, st)
	if len(data) > p.lim.MaxHeaderBytes {
		return false, ErrHeaderTooLarge
	}
	return false, nil
}

// save writes the request-line scan position back. It is called only where
// the scan pauses or the line ends: after an error the parser is dead, so
// nothing needs saving.
func (p *parser) save(i, mark int, st uint8) {
	p.scanned += i - int(p.pos)
	p.pos, p.mark, p.state = uint32(i), uint32(mark), st
}

// version accepts exactly HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112
// 2.3). "HTTP/1.10" or "http/1.1" are malformed (400); a well-formed major
// other than 1 is 505; any 1.x is served as 1.1 (RFC 9110 2.5).
func (p *parser) version(v []byte) *Error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return ErrVersion
	}
	if v[5] != '1' {
		return ErrVersionNotSupported
	}
	p.req.major, p.req.minor = 1, v[7]-'0'
	return nil
}

// fields scans field lines until the empty line ending the head.
func (p *parser) fields(data []byte) (bool, *Error) {
	r := &p.req
	end := min(len(data), p.lim.MaxHeaderBytes)
	for {
		pos := int(p.pos)
		if pos == int(p.lineStart) && end-pos >= 2 {
			// At a line's start: the one-pass path, for a complete
			// ordinary line (see parser_fast.go).
			if data[pos] == '\r' && data[pos+1] == '\n' {
				p.scanned += 2
				p.pos = uint32(pos + 2)
				r.headLen = p.pos
				return true, nil
			}
			if n, nameEnd, vs, ve := scanFieldLine(data[pos:end]); n > 0 {
				if len(r.headers) >= p.lim.MaxHeaderCount {
					return false, ErrTooManyHeaders
				}
				p.scanned += n
				f := field{span{uint32(pos), uint32(nameEnd)}, span{uint32(pos + vs), uint32(ve - vs)}}
				r.headers = append(r.headers, f)
				if err := p.semantics(data[pos:pos+nameEnd], data[pos+vs:pos+ve], f.value); err != nil {
					return false, err
				}
				p.pos = uint32(pos + n)
				p.lineStart = p.pos
				continue
			}
		}
		j := bytes.IndexByte(data[pos:end], '\n')
		if j < 0 {
			p.scanned += end - pos
			p.pos = uint32(end)
			if len(data) > p.lim.MaxHeaderBytes {
				return false, ErrHeaderTooLarge
			}
			return false, nil
		}
		lf := pos + j
		p.scanned += j + 1
		ls := int(p.lineStart)
		if lf == ls || data[lf-1] != '\r' {
			return false, ErrBareLF
		}
		p.pos = uint32(lf + 1)
		line := data[ls : lf-1]
		if len(line) == 0 {
			r.headLen = p.pos
			return true, nil
		}
		if len(r.headers) >= p.lim.MaxHeaderCount {
			return false, ErrTooManyHeaders
		}
		p.scanned += len(line)
		nameEnd, vs, ve, err := parseFieldLine(line)
		if err != nil {
			return false, err
		}
		f := field{span{uint32(ls), uint32(nameEnd)}, span{uint32(ls + vs), uint32(ve - vs)}}
		r.headers = append(r.headers, f)
		if err := p.semantics(line[:nameEnd], line[vs:ve], f.value); err != nil {
			return false, err
		}
		p.lineStart = p.pos
	}
}
