package http

import "encoding/binary"

// The fast paths below parse the ordinary request in one pass each: a
// request line and field lines that are complete in the input and use no
// rarely seen syntax. They accept exactly what the general state machine
// accepts and leave everything else (an incomplete line, an error, leading
// empty lines, obs-fold, a control byte) to it, so that the error paths and
// the resumption rules live in one place. Each is tried once per line, at
// the line's start: when it declines, the state machine takes the line and
// carries it across reads as usual, so no byte is examined more than twice.

// quickRequestLine parses a complete, ordinary request line at the start of
// data: a token method, a request-target of target bytes within the limit,
// and "HTTP/1.1" or "HTTP/1.0" followed by CRLF. It reports whether it did
// (with err set if the target's form is refused, as the state machine would
// refuse it).
func (p *parser) quickRequestLine(data []byte) (ok bool, err *Error) {
	end := min(len(data), p.lim.MaxHeaderBytes)
	i := 0
	for i < end && classes[data[i]]&clsToken != 0 {
		i++
		if i > maxMethodBytes {
			p.scanned += i
			return false, nil
		}
	}
	if i == 0 || i == end || data[i] != ' ' {
		p.scanned += i
		return false, nil
	}
	method := span{0, uint32(i)}
	i++
	t := i
	stop := min(end, t+p.lim.MaxTargetBytes+1)
	for i < stop && classes[data[i]]&clsTarget != 0 {
		i++
	}
	const versionLen = len(" HTTP/1.1\r\n")
	if i == t || i-t > p.lim.MaxTargetBytes || end-i < versionLen ||
		string(data[i:i+8]) != " HTTP/1." || (data[i+8] != '1' && data[i+8] != '0') ||
		data[i+9] != '\r' || data[i+10] != '\n' {
		p.scanned += i
		return false, nil
	}
	r := &p.req
	r.method = method
	r.target = span{uint32(t), uint32(i - t)}
	r.major, r.minor = 1, data[i+8]-'0'
	if err := p.parseTarget(data); err != nil {
		return true, err
	}
	i += versionLen
	p.save(i, i, stHeaders)
	p.lineStart = uint32(i)
	return true, nil
}

// scanFieldLine validates one complete, ordinary field line at the start
// of b and finds its end in the same pass: name, colon, OWS, a value of
// field-vchars, SP and HTAB (eight bytes at a time where it has none of
// them), CRLF. It returns the line's length including CRLF, or 0 when the
// line is incomplete or anything about it is unusual or wrong; the general
// path then judges it and reports the precise error.
func scanFieldLine(b []byte) (n, nameEnd, valStart, valEnd int) {
	i := 0
	for i < len(b) && classes[b[i]]&clsToken != 0 {
		i++
	}
	if i == 0 || i == len(b) || b[i] != ':' {
		return 0, 0, 0, 0
	}
	nameEnd = i
	i++
	for i < len(b) && isOWS(b[i]) {
		i++
	}
	valStart = i
	for i+8 <= len(b) && !mayHoldCtl(binary.LittleEndian.Uint64(b[i:])) {
		i += 8 // no CR yet, nothing to refuse
	}
	for i < len(b) && classes[b[i]]&clsValue != 0 {
		i++
	}
	if i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return 0, 0, 0, 0
	}
	valEnd = i
	for valEnd > valStart && isOWS(b[valEnd-1]) {
		valEnd--
	}
	return i + 2, nameEnd, valStart, valEnd
}
