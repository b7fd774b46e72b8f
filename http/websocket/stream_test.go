package websocket

import (
	"bytes"
	"compress/flate"
	"testing"
	"time"
)

// streamed is what a streaming server saw: whole messages and parts.
type streamed struct {
	whole chan []byte
	parts chan part
}

type part struct {
	typ  MessageType
	data []byte
	last bool
}

// startStreaming serves /ws/echo with OnMessagePart set, a 1 KiB
// threshold and limit as given; every event is reported, and a streamed
// message's end is answered with a text "streamed N" so the client can
// wait for it.
func startStreaming(t *testing.T, limit int) (string, *streamed) {
	t.Helper()
	st := &streamed{whole: make(chan []byte, 100), parts: make(chan part, 10000)}
	var total int
	opts := &Options{
		Compression:     true,
		StreamThreshold: 1024,
		MaxMessageSize:  limit,
		Handler: Handler{
			OnMessage: func(c *Conn, _ MessageType, data []byte) {
				st.whole <- append([]byte(nil), data...)
				_ = c.SendText("whole")
			},
			OnMessagePart: func(c *Conn, typ MessageType, data []byte, last bool) {
				st.parts <- part{typ, append([]byte(nil), data...), last}
				total += len(data)
				if last {
					_ = c.SendText("streamed")
					total = 0
				}
			},
		},
	}
	s := startEcho(t, opts)
	return s.Addr().String(), st
}

// collect reads parts until the last one and returns them.
func (st *streamed) collect(t *testing.T) []part {
	t.Helper()
	var ps []part
	for {
		select {
		case p := <-st.parts:
			ps = append(ps, p)
			if p.last {
				return ps
			}
		case <-time.After(guard):
			t.Fatalf("no last part after %d parts", len(ps))
		}
	}
}

func joined(ps []part) []byte {
	var b []byte
	for _, p := range ps {
		b = append(b, p.data...)
	}
	return b
}

// A message over the threshold is delivered in parts as it arrives (a
// frame's payload in several pieces when written in pieces), never whole;
// one under it goes to OnMessage; pings between the fragments are
// answered as usual.
func TestStreamLargeMessage(t *testing.T) {
	addr, st := startStreaming(t, 0)
	rc := dialRaw(t, addr, "")
	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	rc.send(16<<10,
		frame{op: opBinary, payload: msg[:300<<10]},
		frame{fin: true, op: opPing, payload: []byte("between")},
		frame{op: opContinuation, payload: msg[300<<10 : 301<<10]},
		frame{fin: true, op: opContinuation, payload: msg[301<<10:]})
	rc.expectFrame(opPong, []byte("between"))
	rc.expectFrame(opText, []byte("streamed"))
	ps := st.collect(t)
	if !bytes.Equal(joined(ps), msg) {
		t.Fatal("the parts do not add up to the message")
	}
	for i, p := range ps {
		if p.typ != BinaryMessage || p.last != (i == len(ps)-1) {
			t.Fatalf("part %d: type %v last %v", i, p.typ, p.last)
		}
		// A part is at most what one read brought (the connection's
		// small buffer plus the loop's 64 KiB scratch): the message is
		// never held whole.
		if len(p.data) > 128<<10 {
			t.Fatalf("part %d of %d is %d bytes: not streamed", i, len(ps), len(p.data))
		}
	}
	rc.send(0, binFrame(msg[:1024]))
	rc.expectFrame(opText, []byte("whole"))
	if w := <-st.whole; !bytes.Equal(w, msg[:1024]) {
		t.Fatal("the small message changed")
	}
	rc.closeNormally()
}

// Fragments assembled below the threshold are delivered first as one
// part when the message passes it; the rest follows. An empty final frame
// ends the message with an empty last part.
func TestStreamCrossesThreshold(t *testing.T) {
	addr, st := startStreaming(t, 0)
	rc := dialRaw(t, addr, "")
	msg := bytes.Repeat([]byte("0123456789"), 300) // 3000 bytes
	rc.send(0,
		frame{op: opText, payload: msg[:600]},
		frame{op: opContinuation, payload: msg[600:1000]},
		frame{op: opContinuation, payload: msg[1000:]},
		frame{fin: true, op: opContinuation})
	rc.expectFrame(opText, []byte("streamed"))
	ps := st.collect(t)
	if len(ps) < 3 || !bytes.Equal(ps[0].data, msg[:1000]) || ps[0].typ != TextMessage {
		t.Fatalf("first part %d bytes of %d parts, want the 1000 assembled bytes", len(ps[0].data), len(ps))
	}
	if last := ps[len(ps)-1]; !last.last || len(last.data) != 0 {
		t.Fatalf("last part: %d bytes, last %v", len(last.data), last.last)
	}
	if !bytes.Equal(joined(ps), msg) {
		t.Fatal("the parts do not add up to the message")
	}
	rc.closeNormally()
}

// A streamed text message may be cut inside a UTF-8 sequence between
// parts; an invalid byte fails the connection with 1007 before it is
// delivered.
func TestStreamTextUTF8(t *testing.T) {
	addr, st := startStreaming(t, 0)
	rc := dialRaw(t, addr, "")
	msg := bytes.Repeat([]byte("€"), 1000) // 3000 bytes, 3 per rune
	rc.send(1001, frame{fin: true, op: opText, payload: msg})
	rc.expectFrame(opText, []byte("streamed"))
	if ps := st.collect(t); !bytes.Equal(joined(ps), msg) {
		t.Fatal("the parts do not add up to the message")
	}

	bad := append(bytes.Repeat([]byte("a"), 2000), 0xff)
	bad = append(bad, bytes.Repeat([]byte("b"), 2000)...)
	rc.send(0, frame{fin: true, op: opText, payload: bad})
	rc.expectClose(CloseInvalidPayload)
	var got []byte
	for len(st.parts) > 0 {
		p := <-st.parts
		if p.last {
			t.Fatal("an invalid message was delivered to its end")
		}
		got = append(got, p.data...)
	}
	if bytes.IndexByte(got, 0xff) >= 0 || !bytes.Equal(got, bad[:len(got)]) {
		t.Fatalf("delivered %d bytes including the invalid one", len(got))
	}
}

// MaxMessageSize bounds a streamed message too: 1009 at the frame that
// would pass it.
func TestStreamLimit(t *testing.T) {
	addr, _ := startStreaming(t, 64<<10)
	rc := dialRaw(t, addr, "")
	chunk := make([]byte, 20<<10)
	rc.send(0,
		frame{op: opBinary, payload: chunk},
		frame{op: opContinuation, payload: chunk},
		frame{op: opContinuation, payload: chunk},
		frame{op: opContinuation, payload: chunk})
	rc.expectClose(CloseMessageTooBig)
}

// A compressed message is delivered whole, even when large.
func TestStreamCompressedWhole(t *testing.T) {
	addr, st := startStreaming(t, 0)
	rc := dialRaw(t, addr, "Sec-WebSocket-Extensions: permessage-deflate\r\n")
	msg := bytes.Repeat([]byte("compressible "), 10000)
	var cb bytes.Buffer
	if err := compressForTest(&cb, msg); err != nil {
		t.Fatal(err)
	}
	rc.send(0, frame{fin: true, rsv: 0x40, op: opBinary, payload: cb.Bytes()})
	f, err := rc.read()
	if err != nil || f.op != opText {
		t.Fatalf("answer: %v %v", f.op, err)
	}
	if w := <-st.whole; !bytes.Equal(w, msg) {
		t.Fatal("the compressed message changed")
	}
	if len(st.parts) != 0 {
		t.Fatal("a compressed message was streamed")
	}
}

// compressForTest writes p as one permessage-deflate message payload
// (a flushed deflate stream without its 00 00 ff ff tail).
func compressForTest(dst *bytes.Buffer, p []byte) error {
	w, err := flate.NewWriter(dst, flate.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := w.Write(p); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	dst.Truncate(dst.Len() - 4)
	return nil
}
