package websocket

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fuzzLimit is the fuzzed server's message limit: generated frames reach
// past it.
const fuzzLimit = 2000

// wireFrame is a generated frame and what the model needs of it.
type wireFrame struct {
	frame
	masked bool
	plain  []byte // a compressed data frame's uncompressed bytes
}

// generateFrames turns fuzz bytes into frames: two bytes of flags and
// length per frame, then its payload. With deflate negotiated, a data
// message whose first frame has RSV1 carries compressed bytes (made with
// compress/flate) in all its frames.
func generateFrames(data []byte, deflate bool) []wireFrame {
	var out []wireFrame
	inMsg, compressed := false, false
	for len(data) >= 2 {
		flags, n := data[0], int(data[1])
		data = data[2:]
		f := wireFrame{masked: true}
		f.fin, f.op = flags&0x80 != 0, flags&0x0F
		if flags&0x40 != 0 {
			f.rsv |= bitRsv1
		}
		switch flags & 0x30 {
		case 0x30:
			f.rsv |= bitRsv2
		case 0x20:
			f.masked = false
		case 0x10:
			n *= 16
		}
		payload := make([]byte, n)
		for i := range payload {
			if len(data) > 0 {
				payload[i] = data[i%len(data)]
			} else {
				payload[i] = 'x'
			}
		}
		data = data[min(n, len(data)):]
		if f.op == opText || f.op == opBinary {
			inMsg, compressed = true, deflate && f.rsv&bitRsv1 != 0
		}
		if inMsg && compressed && (f.op <= opBinary) {
			f.plain = payload
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, flate.BestSpeed)
			_, _ = w.Write(payload)
			_ = w.Flush()
			payload = b.Bytes()
			if f.fin {
				payload = payload[:len(payload)-4]
			}
		}
		if f.op <= opBinary && f.fin {
			inMsg = false
		}
		f.payload = payload
		out = append(out, f)
	}
	return out
}

// result is what the server sends back: frames (payloads decompressed)
// and the close code (0: none; -1: close without a code).
type result struct {
	frames []frame
	close  int
}

// model computes what the server must answer to frames: the rules of RFC
// 6455 and 7692 in plain, non-incremental code, in the order the server
// checks them.
func model(frames []wireFrame, deflate bool) result {
	var r result
	fail := func(code int) result { r.close = code; return r }
	msgOp, msgDeflate, msgSize := byte(0), false, 0
	var msg []byte
	var u utf8State
	for _, f := range frames {
		if f.rsv&bitRsv2 != 0 {
			return fail(1002)
		}
		if f.op > opBinary && f.op < opClose || f.op > opPong {
			return fail(1002)
		}
		control := f.op >= opClose
		if control && (!f.fin || len(f.payload) > 125) {
			return fail(1002)
		}
		if !f.masked {
			return fail(1002)
		}
		rsv1 := f.rsv&bitRsv1 != 0
		switch {
		case f.op == opText || f.op == opBinary:
			if msgOp != 0 || rsv1 && !deflate {
				return fail(1002)
			}
			if len(f.payload) > fuzzLimit {
				return fail(1009)
			}
			msgOp, msgDeflate, msgSize, msg, u = f.op, rsv1, 0, nil, 0
		case f.op == opContinuation:
			if msgOp == 0 || rsv1 {
				return fail(1002)
			}
			if msgSize+len(f.payload) > fuzzLimit {
				return fail(1009)
			}
		default:
			if rsv1 {
				return fail(1002)
			}
		}
		if !control && msgOp == opText && !msgDeflate {
			if u = u.feed(f.payload); u == utf8Bad {
				return fail(1007)
			}
		}
		switch f.op {
		case opPing:
			r.frames = append(r.frames, frame{fin: true, op: opPong, payload: f.payload})
			continue
		case opPong:
			continue
		case opClose:
			p := f.payload
			switch {
			case len(p) == 1:
				return fail(1002)
			case len(p) == 0:
				return fail(-1)
			}
			code := int(binary.BigEndian.Uint16(p))
			if !validCloseCode(code) {
				return fail(1002)
			}
			if !validUTF8(p[2:]) {
				return fail(1007)
			}
			return fail(code)
		}
		msgSize += len(f.payload)
		if msgDeflate {
			msg = append(msg, f.plain...)
		} else {
			msg = append(msg, f.payload...)
		}
		if !f.fin {
			continue
		}
		if len(msg) > fuzzLimit {
			return fail(1009)
		}
		if msgOp == opText && !validUTF8(msg) {
			return fail(1007)
		}
		r.frames = append(r.frames, frame{fin: true, op: msgOp, payload: msg})
		msgOp = 0
	}
	return r
}

// FuzzServerConn feeds generated frame streams (masked and not,
// fragmented, compressed, with control frames between) to a server
// connection over loopback and compares everything it answers with the
// model: the same echoes and pongs, and every protocol error a close
// with the right code. A panic on the loop would take the server down
// and fail the next input.
func FuzzServerConn(f *testing.F) {
	seeds := [][]byte{
		{0x81, 5, 'h', 'e', 'l', 'l', 'o'},
		{0x01, 3, 'a', 'b', 'c', 0x89, 2, 'p', 'p', 0x80, 2, 'd', 'e'},
		{0xC1, 40, 'z'}, {0x41, 20, 'q', 0x80, 20, 'r'},
		{0x88, 2, 0x03, 0xe8}, {0x88, 1, 0x03}, {0x88, 4, 0x03, 0xe8, 0xff, 0xfe},
		{0x81, 4, 0xce, 0xba, 0xed, 0xa0}, {0xA1, 2, 'h', 'i'}, {0x92, 200, 0}, {0x83, 0}, {0x09, 1, 'x'},
		{0x01, 1, 0xe2, 0x89, 0, 0x80, 2, 0x82, 0xac},
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	opts := echoOptions()
	opts.MaxMessageSize = fuzzLimit
	opts.CompressionThreshold = 1
	s := startEcho(f, opts)
	// The same echo with streaming: messages over 16 bytes arrive in
	// parts, gathered in the connection's context and echoed at the last.
	sopts := echoOptions()
	sopts.MaxMessageSize = fuzzLimit
	sopts.CompressionThreshold = 1
	sopts.StreamThreshold = 16
	sopts.OnMessagePart = func(c *Conn, typ MessageType, data []byte, last bool) {
		msg, _ := c.Data().([]byte)
		msg = append(msg, data...)
		if last {
			c.SetData(nil)
			_ = c.Send(typ, msg)
			return
		}
		c.SetData(msg)
	}
	streaming := startEcho(f, sopts)
	addrs := []string{s.Addr().String(), streaming.Addr().String()}
	f.Fuzz(func(t *testing.T, data []byte, deflate bool) {
		if len(data) > 4096 {
			return
		}
		frames := generateFrames(data, deflate)
		want := model(frames, deflate)
		for _, addr := range addrs {
			got := exchange(t, addr, frames, deflate)
			if got.close != want.close || len(got.frames) != len(want.frames) {
				t.Fatalf("%s: got %d frames and close %d, want %d frames and close %d", addr, len(got.frames), got.close, len(want.frames), want.close)
			}
			for i := range got.frames {
				g, w := got.frames[i], want.frames[i]
				if g.op != w.op || !bytes.Equal(g.payload, w.payload) {
					t.Fatalf("%s: frame %d: opcode %d %q, want opcode %d %q", addr, i, g.op, trim(g.payload), w.op, trim(w.payload))
				}
			}
		}
	})
}

// exchange sends frames on a new connection, half-closes it, and reads
// everything the server answers until it closes.
func exchange(t *testing.T, addr string, frames []wireFrame, deflate bool) result {
	extra := ""
	if deflate {
		extra = "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	}
	rc := dialRaw(t, addr, extra)
	defer rc.conn.Close()
	if deflate != strings.Contains(rc.resp, "permessage-deflate") {
		t.Fatalf("deflate not negotiated as offered: %q", rc.resp)
	}
	var wire []byte
	for _, f := range frames {
		wire = append(wire, f.encode(f.masked)...)
	}
	go func() {
		_, _ = rc.conn.Write(wire)
		_ = rc.conn.(*net.TCPConn).CloseWrite()
	}()
	_ = rc.conn.SetReadDeadline(time.Now().Add(guard))
	var r result
	for {
		f, err := rc.read()
		if err == io.EOF {
			return r
		}
		if err != nil {
			t.Fatalf("reading the server: %v", err)
		}
		if r.close != 0 {
			t.Fatalf("frame after the close: opcode %d", f.op)
		}
		if f.op == opClose {
			r.close = -1
			if len(f.payload) >= 2 {
				r.close = int(binary.BigEndian.Uint16(f.payload))
			}
			continue
		}
		if f.rsv&bitRsv1 != 0 {
			rd := flate.NewReader(io.MultiReader(bytes.NewReader(f.payload), bytes.NewReader(deflateTail)))
			p, err := io.ReadAll(rd)
			if err != nil && err != io.ErrUnexpectedEOF {
				t.Fatalf("server's compressed frame: %v", err)
			}
			f.payload = p
		}
		r.frames = append(r.frames, f)
	}
}
