package websocket

import (
	"bytes"
	"strings"
	"testing"
)

// TestAutobahnLimits is section 9 (sizes and fragmentation): big messages,
// messages in many small frames, big frames written in small chops, and
// many round trips. Autobahn reports these as performance (informational
// timing); here each must come back intact. Under -short the largest sizes
// are left out.
func TestAutobahnLimits(t *testing.T) {
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	if testing.Short() || raceEnabled {
		sizes = sizes[:3]
	}
	textOf := func(n int) []byte { return bytes.Repeat([]byte("*"), n) }
	binOf := func(n int) []byte { return bytes.Repeat([]byte{0xfe}, n) }
	var cases []autobahnCase
	for i, n := range sizes {
		cases = append(cases,
			autobahnCase{id: "9.1." + itoa(i+1), desc: "text of " + itoa(n), run: echoCase(0, frames(frame{fin: true, op: opText, payload: textOf(n)}), frame{op: opText, payload: textOf(n)})},
			autobahnCase{id: "9.2." + itoa(i+1), desc: "binary of " + itoa(n), run: echoCase(0, frames(binFrame(binOf(n))), binFrame(binOf(n)))})
	}
	msg := 4 << 20
	if testing.Short() || raceEnabled {
		msg = 1 << 20
	}
	for i, fs := range []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		if fs > msg {
			break
		}
		for j, op := range []byte{opText, opBinary} {
			payload := textOf(msg)
			if op == opBinary {
				payload = binOf(msg)
			}
			var fr []frame
			for k := 0; k < len(payload); k += fs {
				o := byte(opContinuation)
				if k == 0 {
					o = op
				}
				fr = append(fr, frame{fin: k+fs >= len(payload), op: o, payload: payload[k:min(k+fs, len(payload))]})
			}
			cases = append(cases, autobahnCase{id: "9." + itoa(3+j) + "." + itoa(i+1), desc: itoa(msg) + " bytes in frames of " + itoa(fs),
				run: echoCase(0, fr, frame{op: op, payload: payload})})
		}
	}
	for i, chop := range []int{64, 128, 256, 512, 1024, 2048} {
		cases = append(cases,
			autobahnCase{id: "9.5." + itoa(i+1), desc: "1 MiB text written in chops of " + itoa(chop), run: echoCase(chop, frames(frame{fin: true, op: opText, payload: textOf(1 << 20)}), frame{op: opText, payload: textOf(1 << 20)})},
			autobahnCase{id: "9.6." + itoa(i+1), desc: "1 MiB binary written in chops of " + itoa(chop), run: echoCase(chop, frames(binFrame(binOf(1<<20))), binFrame(binOf(1<<20)))})
	}
	count := 1000
	if testing.Short() || raceEnabled {
		count = 100
	}
	for i, n := range []int{0, 16, 64, 256, 1024, 4096} {
		for j, op := range []byte{opText, opBinary} {
			payload := []byte(strings.Repeat("*", n))
			cases = append(cases, autobahnCase{id: "9." + itoa(7+j) + "." + itoa(i+1), desc: itoa(count) + " round trips of " + itoa(n),
				run: func(rc *rawClient) {
					for range count {
						rc.send(0, frame{fin: true, op: op, payload: payload})
						rc.expectFrame(op, payload)
					}
					rc.closeNormally()
				}})
		}
	}
	runAutobahn(t, cases)
}

// TestMessageTooBig: a frame over the limit fails the connection with 1009
// from its header alone; so does a message whose fragments add up past
// it.
func TestMessageTooBig(t *testing.T) {
	opts := echoOptions()
	opts.MaxMessageSize = 1000
	s := startEcho(t, opts)
	addr := s.Addr().String()
	t.Run("frame", func(t *testing.T) {
		rc := dialRaw(t, addr, "")
		b := binFrame(make([]byte, 1001)).encode(true)
		rc.write(b[:20], 0) // the header tells already
		rc.expectClose(1009)
	})
	t.Run("at the limit", func(t *testing.T) {
		rc := dialRaw(t, addr, "")
		rc.send(0, binFrame(make([]byte, 1000)))
		rc.expectFrame(opBinary, make([]byte, 1000))
		rc.closeNormally()
	})
	t.Run("fragments", func(t *testing.T) {
		rc := dialRaw(t, addr, "")
		rc.send(0, frame{op: opBinary, payload: make([]byte, 600)}, frame{op: opContinuation, payload: make([]byte, 401)})
		rc.expectClose(1009)
	})
}
