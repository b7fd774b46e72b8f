package websocket

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

// The Autobahn testsuite's case catalogue, sections 1-5 and 7, written as
// table-driven cases over loopback against the echo endpoint. Each case
// names its Autobahn id; "note" says where a case is Autobahn's
// non-strict or informational, and why.
type autobahnCase struct {
	id   string
	desc string
	run  func(rc *rawClient)
	note string
}

func runAutobahn(t *testing.T, cases []autobahnCase) {
	s := startEcho(t, echoOptions())
	addr := s.Addr().String()
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			rc := dialRaw(t, addr, "")
			c.run(rc)
		})
	}
}

// echoCase sends frames (chopped) and expects the given frames back, then
// a normal close.
func echoCase(chop int, send []frame, want ...frame) func(rc *rawClient) {
	return func(rc *rawClient) {
		rc.send(chop, send...)
		for _, w := range want {
			rc.expectFrame(w.op, w.payload)
		}
		rc.closeNormally()
	}
}

// failCase sends frames and expects the given frames back, then a close
// with code and the TCP close.
func failCase(chop int, code int, send []frame, want ...frame) func(rc *rawClient) {
	return func(rc *rawClient) {
		rc.send(chop, send...)
		for _, w := range want {
			rc.expectFrame(w.op, w.payload)
		}
		rc.expectClose(code)
	}
}

func frames(f ...frame) []frame { return f }

func ping(p string) frame { return frame{fin: true, op: opPing, payload: []byte(p)} }
func pong(p string) frame { return frame{fin: true, op: opPong, payload: []byte(p)} }

func TestAutobahnFraming(t *testing.T) { // section 1
	var cases []autobahnCase
	for i, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		p := strings.Repeat("*", n)
		cases = append(cases,
			autobahnCase{id: "1.1." + itoa(i+1), desc: "text of " + itoa(n), run: echoCase(0, frames(text(p)), text(p))},
			autobahnCase{id: "1.2." + itoa(i+1), desc: "binary of " + itoa(n), run: echoCase(0, frames(binFrame([]byte(p))), binFrame([]byte(p)))})
	}
	p := strings.Repeat("*", 65536)
	cases = append(cases,
		autobahnCase{id: "1.1.8", desc: "text of 65536 in chops of 997", run: echoCase(997, frames(text(p)), text(p))},
		autobahnCase{id: "1.2.8", desc: "binary of 65536 in chops of 997", run: echoCase(997, frames(binFrame([]byte(p))), binFrame([]byte(p)))})
	runAutobahn(t, cases)
}

func TestAutobahnPingPong(t *testing.T) { // section 2
	bin := string([]byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff})
	p125 := strings.Repeat("\xfe", 125)
	tenPings, tenPongs := []frame{}, []frame{}
	for i := range 10 {
		tenPings = append(tenPings, ping("payload-"+itoa(i)))
		tenPongs = append(tenPongs, pong("payload-"+itoa(i)))
	}
	runAutobahn(t, []autobahnCase{
		{id: "2.1", desc: "ping without payload", run: echoCase(0, frames(ping("")), pong(""))},
		{id: "2.2", desc: "ping with text payload", run: echoCase(0, frames(ping("Hello, world!")), pong("Hello, world!"))},
		{id: "2.3", desc: "ping with binary payload", run: echoCase(0, frames(ping(bin)), pong(bin))},
		{id: "2.4", desc: "ping with 125 bytes", run: echoCase(0, frames(ping(p125)), pong(p125))},
		{id: "2.5", desc: "ping with 126 bytes", run: failCase(0, 1002, frames(ping(p125+"x")))},
		{id: "2.6", desc: "ping with 125 bytes in 1-byte chops", run: echoCase(1, frames(ping(p125)), pong(p125))},
		{id: "2.7", desc: "unsolicited pong without payload", run: echoCase(0, frames(pong("")))},
		{id: "2.8", desc: "unsolicited pong with payload", run: echoCase(0, frames(pong("unsolicited pong payload")))},
		{id: "2.9", desc: "unsolicited pong, then ping", run: echoCase(0, frames(pong("unsolicited"), ping("ping payload")), pong("ping payload"))},
		{id: "2.10", desc: "10 pings", run: echoCase(0, tenPings, tenPongs...)},
		{id: "2.11", desc: "10 pings in 1-byte chops", run: echoCase(1, tenPings, tenPongs...)},
	})
}

func TestAutobahnReservedBits(t *testing.T) { // section 3
	rsv := func(f frame, r byte) frame { f.rsv = r << 4; return f }
	runAutobahn(t, []autobahnCase{
		{id: "3.1", desc: "text with RSV=1", run: failCase(0, 1002, frames(rsv(text("Hello, world!"), 1)))},
		{id: "3.2", desc: "text, text with RSV=2, ping", run: failCase(0, 1002, frames(text("Hello, world!"), rsv(text("Hello, world!"), 2), ping("")), text("Hello, world!"))},
		{id: "3.3", desc: "as 3.2 with RSV=3, in 1-byte chops", run: failCase(1, 1002, frames(text("Hello, world!"), rsv(text("Hello, world!"), 3), ping("")), text("Hello, world!"))},
		{id: "3.4", desc: "as 3.2 with RSV=4, in 1-byte chops", run: failCase(1, 1002, frames(text("Hello, world!"), rsv(text("Hello, world!"), 4), ping("")), text("Hello, world!"))},
		{id: "3.5", desc: "binary with RSV=5", run: failCase(0, 1002, frames(rsv(binFrame([]byte{0, 1, 2}), 5)))},
		{id: "3.6", desc: "ping with RSV=6", run: failCase(0, 1002, frames(rsv(ping("Hello, world!"), 6)))},
		{id: "3.7", desc: "close with RSV=7", run: failCase(0, 1002, frames(rsv(frame{fin: true, op: opClose, payload: []byte{3, 232}}, 7)))},
	})
}

func TestAutobahnOpcodes(t *testing.T) { // section 4
	var cases []autobahnCase
	for i, op := range []byte{3, 4, 5, 6, 7} {
		payload := []byte(nil)
		if i == 2 || i == 4 {
			payload = []byte("reserved opcode payload")
		}
		cases = append(cases, autobahnCase{
			id: "4.1." + itoa(i+1), desc: "reserved non-control opcode " + itoa(int(op)),
			run: failCase(0, 1002, frames(text("Hello, world!"), frame{fin: true, op: op, payload: payload}, ping("")), text("Hello, world!"))})
	}
	for i, op := range []byte{11, 12, 13, 14, 15} {
		cases = append(cases, autobahnCase{
			id: "4.2." + itoa(i+1), desc: "reserved control opcode " + itoa(int(op)),
			run: failCase(0, 1002, frames(text("Hello, world!"), frame{fin: true, op: op}, ping("")), text("Hello, world!"))})
	}
	// 4.1.1 / 4.2.1 send only the reserved frame in Autobahn.
	cases[0].run = failCase(0, 1002, frames(frame{fin: true, op: 3}))
	cases[5].run = failCase(0, 1002, frames(frame{fin: true, op: 11}))
	runAutobahn(t, cases)
}

func TestAutobahnFragmentation(t *testing.T) { // section 5
	cont := func(fin bool, s string) frame { return frame{fin: fin, op: opContinuation, payload: []byte(s)} }
	first := func(s string) frame { return frame{op: opText, payload: []byte(s)} }
	frag2 := frames(first("fragment1"), cont(true, "fragment2"))
	withPing := frames(first("fragment1"), ping("pongme!"), cont(true, "fragment2"))
	whole := text("fragment1fragment2")
	five := frames(first("fragment1"), cont(false, "fragment2"), ping(""), cont(false, "fragment3"), ping(""), cont(true, "fragment4"))
	fiveWhole := text("fragment1fragment2fragment3fragment4")
	cases := []autobahnCase{
		{id: "5.1", desc: "ping in 2 fragments", run: failCase(0, 1002, frames(frame{op: opPing, payload: []byte("frag1")}, cont(true, "frag2")))},
		{id: "5.2", desc: "pong in 2 fragments", run: failCase(0, 1002, frames(frame{op: opPong, payload: []byte("frag1")}, cont(true, "frag2")))},
		{id: "5.3", desc: "text in 2 fragments", run: echoCase(0, frag2, whole)},
		{id: "5.4", desc: "text in 2 fragments, chopped", run: echoCase(7, frag2, whole)},
		{id: "5.5", desc: "text in 2 fragments, 1-byte chops", run: echoCase(1, frag2, whole)},
		{id: "5.6", desc: "text in 2 fragments, ping between", run: echoCase(0, withPing, pong("pongme!"), whole)},
		{id: "5.7", desc: "as 5.6, chopped", run: echoCase(5, withPing, pong("pongme!"), whole)},
		{id: "5.8", desc: "as 5.6, 1-byte chops", run: echoCase(1, withPing, pong("pongme!"), whole)},
		{id: "5.9", desc: "continuation FIN=1 without a message, then text", run: failCase(0, 1002, frames(cont(true, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.10", desc: "as 5.9, chopped", run: failCase(3, 1002, frames(cont(true, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.11", desc: "as 5.9, 1-byte chops", run: failCase(1, 1002, frames(cont(true, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.12", desc: "continuation FIN=0 without a message, then text", run: failCase(0, 1002, frames(cont(false, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.13", desc: "as 5.12, chopped", run: failCase(3, 1002, frames(cont(false, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.14", desc: "as 5.12, 1-byte chops", run: failCase(1, 1002, frames(cont(false, "non-continuation payload"), text("Hello, world!")))},
		{id: "5.15", desc: "text in 2 fragments, then continuation FIN=0, text, continuation FIN=1", run: failCase(0, 1002,
			frames(first("fragment1"), cont(true, "fragment2"), cont(false, "fragment3"), first("fragment4"), cont(true, "fragment5")), whole)},
		{id: "5.16", desc: "twice: continuation FIN=0, text FIN=0, continuation FIN=1", run: failCase(0, 1002,
			frames(cont(false, "fragment1"), first("fragment2"), cont(true, "fragment3"), cont(false, "fragment4"), first("fragment5"), cont(true, "fragment6")))},
		{id: "5.17", desc: "twice: continuation FIN=1, text FIN=0, continuation FIN=1", run: failCase(0, 1002,
			frames(cont(true, "fragment1"), first("fragment2"), cont(true, "fragment3"), cont(true, "fragment4"), first("fragment5"), cont(true, "fragment6")))},
		{id: "5.18", desc: "text FIN=0 then text FIN=1 (not a continuation)", run: failCase(0, 1002, frames(first("fragment1"), text("fragment2")))},
		{id: "5.19", desc: "5 fragments, pings between", run: echoCase(0, five, pong(""), pong(""), fiveWhole)},
		{id: "5.20", desc: "as 5.19, 1-byte chops", run: echoCase(1, five, pong(""), pong(""), fiveWhole)},
	}
	// Autobahn's 5.19/5.20 send with pauses so the pongs come back before
	// the message ends; here the frames arrive together, and the pongs
	// still come first because control frames are answered as they come.
	runAutobahn(t, cases)
}

func closeFrame(code int, reason string) frame {
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	return frame{fin: true, op: opClose, payload: append(p, reason...)}
}

func TestAutobahnClose(t *testing.T) { // section 7
	cont := func(fin bool, s string) frame { return frame{fin: fin, op: opContinuation, payload: []byte(s)} }
	cases := []autobahnCase{
		{id: "7.1.1", desc: "text then close", run: func(rc *rawClient) {
			rc.send(0, text("Hello World!"))
			rc.expectFrame(opText, []byte("Hello World!"))
			rc.closeNormally()
		}},
		{id: "7.1.2", desc: "close twice", run: func(rc *rawClient) {
			rc.send(0, closeFrame(1000, ""), closeFrame(1000, ""))
			rc.expectClose(1000)
		}},
		{id: "7.1.3", desc: "close then ping: no pong", run: func(rc *rawClient) {
			rc.send(0, closeFrame(1000, ""), ping("Hello World!"))
			rc.expectClose(1000)
		}},
		{id: "7.1.4", desc: "close then text: no echo", run: func(rc *rawClient) {
			rc.send(0, closeFrame(1000, ""), text("Hello World!"))
			rc.expectClose(1000)
		}},
		{id: "7.1.5", desc: "fragment, close, fragment", run: func(rc *rawClient) {
			rc.send(0, frame{op: opText, payload: []byte("fragment1")}, closeFrame(1000, ""), cont(true, "fragment2"))
			rc.expectClose(1000)
		}},
		{id: "7.1.6", desc: "256 KiB text, close, ping", note: "informational in Autobahn: whether the echo beats the close depends on the write buffers; here the echo is written first, always", run: func(rc *rawClient) {
			big := strings.Repeat("BAsd7&jh23", 26215)
			rc.send(0, text(big), closeFrame(1000, ""), ping("Hello World!"))
			rc.expectFrame(opText, []byte(big))
			rc.expectClose(1000)
		}},
		{id: "7.3.1", desc: "close without payload", run: func(rc *rawClient) {
			rc.send(0, frame{fin: true, op: opClose})
			rc.expectClose(0)
		}},
		{id: "7.3.2", desc: "close with 1-byte payload", run: failCase(0, 1002, frames(frame{fin: true, op: opClose, payload: []byte{0x03}}))},
		{id: "7.3.3", desc: "close with code 1000", run: failCase(0, 1000, frames(closeFrame(1000, "")))},
		{id: "7.3.4", desc: "close with code and reason", run: failCase(0, 1000, frames(closeFrame(1000, "Hello World!")))},
		{id: "7.3.5", desc: "close with a 123-byte reason", run: failCase(0, 1000, frames(closeFrame(1000, strings.Repeat("*", 123))))},
		{id: "7.3.6", desc: "close with a 124-byte reason", run: failCase(0, 1002, frames(closeFrame(1000, strings.Repeat("*", 124))))},
		{id: "7.5.1", desc: "close with a reason that is not UTF-8", run: failCase(0, 1007, frames(closeFrame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")))},
	}
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		cases = append(cases, autobahnCase{id: "7.7." + itoa(i+1), desc: "valid close code " + itoa(code), run: failCase(0, code, frames(closeFrame(code, "")))})
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		cases = append(cases, autobahnCase{id: "7.9." + itoa(i+1), desc: "invalid close code " + itoa(code), run: failCase(0, 1002, frames(closeFrame(code, "")))})
	}
	cases = append(cases,
		autobahnCase{id: "7.13.1", desc: "close code 5000", note: "informational in Autobahn; RFC 6455 defines no code above 4999, so it is refused", run: failCase(0, 1002, frames(closeFrame(5000, "")))},
		autobahnCase{id: "7.13.2", desc: "close code 65535", note: "informational in Autobahn; refused as 7.13.1", run: failCase(0, 1002, frames(closeFrame(65535, "")))})
	runAutobahn(t, cases)
}

// TestCloseCodeTable checks every code against RFC 6455 7.4 and the IANA
// registry (1012-1014 are registered and valid; 1015 is reserved).
func TestCloseCodeTable(t *testing.T) {
	for code := range 70000 {
		want := (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
		if validCloseCode(code) != want {
			t.Fatalf("validCloseCode(%d) = %v", code, !want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
