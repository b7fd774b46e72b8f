package websocket

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// The compression sections (12 and 13) with a client written on the
// standard library's compress/flate, independent of the server's
// klauspost/compress: it offers permessage-deflate as Autobahn's cases do,
// sends compressed messages (auto-fragmented as Autobahn's are) and
// decompresses the echoes, with or without context takeover as
// negotiated.
type deflateClient struct {
	*rawClient
	takeover   bool // the server keeps its context: keep its window
	rxHistory  []byte
	w          *flate.Writer // the client's compressor, kept (client context takeover)
	wbuf       bytes.Buffer
	clientKeep bool
}

func dialDeflate(t testing.TB, addr, offer string) *deflateClient {
	t.Helper()
	rc := dialRaw(t, addr, "Sec-WebSocket-Extensions: "+offer+"\r\n")
	var ext string
	for l := range strings.SplitSeq(rc.resp, "\r\n") {
		if name, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(name, "Sec-WebSocket-Extensions") {
			ext = strings.TrimSpace(v)
		}
	}
	if !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("offer %q not accepted: %q", offer, rc.resp)
	}
	dc := &deflateClient{rawClient: rc,
		takeover:   !strings.Contains(ext, "server_no_context_takeover"),
		clientKeep: !strings.Contains(ext, "client_no_context_takeover")}
	if strings.Contains(offer, "server_no_context_takeover") && dc.takeover {
		t.Fatalf("server ignored server_no_context_takeover: %q", ext)
	}
	if i := strings.Index(offer, "server_max_window_bits="); i >= 0 {
		want := offer[i : i+len("server_max_window_bits=")+1]
		if !strings.Contains(ext, want) {
			t.Fatalf("server_max_window_bits not echoed: %q", ext)
		}
	}
	return dc
}

func (dc *deflateClient) compress(p []byte) []byte {
	dc.wbuf.Reset()
	if dc.w == nil {
		dc.w, _ = flate.NewWriter(&dc.wbuf, flate.BestSpeed)
	} else if !dc.clientKeep {
		dc.w.Reset(&dc.wbuf)
	}
	_, _ = dc.w.Write(p)
	_ = dc.w.Flush()
	out := dc.wbuf.Bytes()
	return append([]byte(nil), out[:len(out)-4]...)
}

func (dc *deflateClient) decompress(p []byte) ([]byte, error) {
	var dict []byte
	if dc.takeover {
		dict = dc.rxHistory
	}
	r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(p), bytes.NewReader(deflateTail)), dict)
	out, err := io.ReadAll(r)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	if dc.takeover {
		dc.rxHistory = append(dc.rxHistory, out...)
		if len(dc.rxHistory) > 32<<10 {
			dc.rxHistory = dc.rxHistory[len(dc.rxHistory)-32<<10:]
		}
	}
	return out, err
}

// sendCompressed sends p as a compressed message in frames of at most
// frag bytes (0: one frame).
func (dc *deflateClient) sendCompressed(op byte, p []byte, frag int) {
	c := dc.compress(p)
	if frag <= 0 {
		frag = len(c) + 1
	}
	var fr []frame
	for k := 0; k == 0 || k < len(c); k += frag {
		f := frame{fin: k+frag >= len(c), op: opContinuation, payload: c[k:min(k+frag, len(c))]}
		if k == 0 {
			f.op, f.rsv = op, bitRsv1
		}
		fr = append(fr, f)
	}
	dc.send(0, fr...)
}

// readMessage reads one (possibly compressed) message.
func (dc *deflateClient) readMessage() (byte, []byte, error) {
	var op byte
	var compressed bool
	var msg []byte
	for {
		f, err := dc.read()
		if err != nil {
			return 0, nil, err
		}
		if f.op >= opClose {
			return f.op, f.payload, nil
		}
		if f.op != opContinuation {
			op, compressed = f.op, f.rsv&bitRsv1 != 0
		}
		msg = append(msg, f.payload...)
		if f.fin {
			break
		}
	}
	if !compressed {
		return op, msg, nil
	}
	out, err := dc.decompress(msg)
	return op, out, err
}

// compressionData are payloads in the spirit of Autobahn's test files:
// JSON, an incompressible binary, prose, HTML.
func compressionData() map[string]struct {
	op   byte
	data []byte
} {
	r := rand.New(rand.NewPCG(7, 7))
	var js, prose, html strings.Builder
	for i := 0; js.Len() < 300<<10; i++ {
		fmt.Fprintf(&js, `{"id":%d,"name":"user%d","tags":["a","b"],"score":%.3f,"active":%v},`, i, r.IntN(1000), r.Float64(), i%3 == 0)
	}
	words := []string{"Habe", "nun,", "ach!", "Philosophie,", "Juristerei", "und", "Medizin,", "Theologie", "durchaus", "studiert", "mit", "heißem", "Bemühn."}
	for prose.Len() < 300<<10 {
		prose.WriteString(words[r.IntN(len(words))])
		prose.WriteByte(' ')
	}
	for i := 0; html.Len() < 300<<10; i++ {
		fmt.Fprintf(&html, `<div class="row r%d"><a href="/item/%d">Item %d</a><span>%d €</span></div>`+"\n", i%7, i, i, r.IntN(500))
	}
	noise := make([]byte, 300<<10)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	return map[string]struct {
		op   byte
		data []byte
	}{
		"json": {opText, []byte(js.String())}, "noise": {opBinary, noise},
		"prose": {opText, []byte(prose.String())}, "html": {opText, []byte(html.String())},
	}
}

// echoCompressed sends count messages of n bytes cut from data at a
// moving offset (as Autobahn's 12.x do) and checks each echo.
func echoCompressed(t *testing.T, dc *deflateClient, op byte, data []byte, n, count, frag int) {
	t.Helper()
	off := 0
	for i := range count {
		msg := make([]byte, 0, n)
		for len(msg) < n {
			take := min(n-len(msg), len(data)-off)
			if op == opText {
				// Cut at a character boundary, as Autobahn cuts a
				// decoded string.
				for take > 0 && off+take < len(data) && data[off+take]&0xC0 == 0x80 {
					take--
				}
				if take == 0 {
					off = 0
					continue
				}
			}
			msg = append(msg, data[off:off+take]...)
			off = (off + take) % len(data)
		}
		dc.sendCompressed(op, msg, frag)
		gotOp, got, err := dc.readMessage()
		if err != nil || gotOp != op || !bytes.Equal(got, msg) {
			t.Fatalf("message %d of %d bytes: opcode %d, %d bytes back, %v", i, n, gotOp, len(got), err)
		}
	}
	dc.closeNormally()
}

// TestAutobahnCompression is section 12: the default offer, payload kinds
// and sizes from 16 bytes to 128 KiB, whole and auto-fragmented. Autobahn
// sends 1000 messages per case; 40 here (4 under -short or -race),
// which exercises context takeover just the same.
func TestAutobahnCompression(t *testing.T) {
	count := 40
	if testing.Short() || raceEnabled {
		count = 4
	}
	sizes := []struct{ n, frag int }{{16, 0}, {64, 0}, {256, 0}, {1024, 0}, {4096, 0}, {8192, 0}, {16384, 0}, {32768, 0}, {65536, 0}, {131072, 0},
		{8192, 256}, {16384, 256}, {32768, 256}, {65536, 256}, {131072, 256}, {131072, 1024}}
	data := compressionData()
	for _, takeover := range []bool{false, true} {
		opts := echoOptions()
		opts.ContextTakeover = takeover
		s := startEcho(t, opts)
		j := 0
		for _, name := range []string{"json", "noise", "prose", "html"} {
			j++
			d := data[name]
			for i, sz := range sizes {
				t.Run(fmt.Sprintf("12.%d.%d/%s/takeover=%v", j, i+1, name, takeover), func(t *testing.T) {
					dc := dialDeflate(t, s.Addr().String(), "permessage-deflate; client_max_window_bits")
					if dc.takeover != takeover {
						t.Fatalf("server context takeover %v, configured %v", dc.takeover, takeover)
					}
					echoCompressed(t, dc, d.op, d.data, sz.n, count, sz.frag)
				})
			}
		}
	}
}

// TestAutobahnCompressionOffers is section 13: the offers Autobahn's
// client makes (no context takeover, server window bits 9 and 15, several
// offers), each with messages of several sizes.
func TestAutobahnCompressionOffers(t *testing.T) {
	offers := []string{
		"permessage-deflate; client_max_window_bits",
		"permessage-deflate; server_no_context_takeover",
		"permessage-deflate; server_max_window_bits=9",
		"permessage-deflate; server_max_window_bits=15",
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=15",
		"permessage-deflate; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; server_no_context_takeover, permessage-deflate",
	}
	count := 20
	if testing.Short() || raceEnabled {
		count = 3
	}
	d := compressionData()["json"]
	for _, takeover := range []bool{false, true} {
		opts := echoOptions()
		opts.ContextTakeover = takeover
		s := startEcho(t, opts)
		for i, offer := range offers {
			for k, n := range []int{16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072} {
				t.Run(fmt.Sprintf("13.%d.%d/takeover=%v", i+1, k+1, takeover), func(t *testing.T) {
					dc := dialDeflate(t, s.Addr().String(), offer)
					echoCompressed(t, dc, opText, d.data, n, count, 0)
				})
			}
		}
	}
}

// TestDeflateBomb: a small compressed message that inflates past the
// limit fails the connection with 1009 without inflating it all.
func TestDeflateBomb(t *testing.T) {
	opts := echoOptions()
	opts.MaxMessageSize = 1 << 20
	s := startEcho(t, opts)
	dc := dialDeflate(t, s.Addr().String(), "permessage-deflate")
	dc.sendCompressed(opBinary, make([]byte, 16<<20), 0)
	op, p, err := dc.readMessage()
	if err != nil || op != opClose || len(p) < 2 || int(p[0])<<8|int(p[1]) != 1009 {
		t.Fatalf("got opcode %d %q %v, want close 1009", op, p, err)
	}
}

// TestCompressedControlFrame: RSV1 on a control frame or a continuation is
// a protocol error even with compression negotiated.
func TestCompressedControlFrame(t *testing.T) {
	s := startEcho(t, echoOptions())
	dc := dialDeflate(t, s.Addr().String(), "permessage-deflate")
	dc.send(0, frame{fin: true, op: opPing, rsv: bitRsv1})
	dc.expectClose(1002)
	dc = dialDeflate(t, s.Addr().String(), "permessage-deflate")
	dc.send(0, frame{op: opText, payload: []byte("a")}, frame{fin: true, op: opContinuation, rsv: bitRsv1, payload: []byte("b")})
	dc.expectClose(1002)
}
