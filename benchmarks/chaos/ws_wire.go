package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// WebSocket opcodes (RFC 6455 5.2).
const (
	wsCont   = 0x0
	wsText   = 0x1
	wsBinary = 0x2
	wsClose  = 0x8
	wsPing   = 0x9
	wsPong   = 0xA
)

// The close codes the servers must send (RFC 6455 7.4.1).
const (
	wsNormal          = 1000
	wsProtocolError   = 1002
	wsPolicyViolation = 1008
	wsTooBig          = 1009
)

// wsCloseTimeout is the websocket package's default close handshake bound
// (Options.CloseTimeout), which neither example changes.
const wsCloseTimeout = 5 * time.Second

// wsFrame is one frame as read from a server.
type wsFrame struct {
	fin     bool
	rsv     byte
	op      byte
	masked  bool
	payload []byte
}

// closeCode returns a close frame's code (1005 when it has none).
func (f wsFrame) closeCode() int {
	if len(f.payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(f.payload))
}

func (f wsFrame) String() string {
	if f.op == wsClose {
		return fmt.Sprintf("close %d %q", f.closeCode(), f.payload[min(2, len(f.payload)):])
	}
	return fmt.Sprintf("op %x fin %v rsv %x masked %v, %d bytes %s", f.op, f.fin, f.rsv, f.masked, len(f.payload), clip(f.payload, 60))
}

// wsHandshake upgrades c at path (no extension offered) and returns a
// reader positioned at the first frame.
func wsHandshake(c net.Conn, host, path string) (*bufio.Reader, error) {
	var key [16]byte
	_, _ = rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + k + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := readResponse(br, true)
	if err != nil {
		return br, fmt.Errorf("handshake response: %w", err)
	}
	if resp.statusLine != "HTTP/1.1 101 Switching Protocols" {
		return br, fmt.Errorf("handshake answered %q", resp.statusLine)
	}
	if v, _ := resp.header("Sec-WebSocket-Accept"); v != acceptFor(k) {
		return br, fmt.Errorf("Sec-WebSocket-Accept %q, want %q", v, acceptFor(k))
	}
	return br, nil
}

// appendFrame appends one frame; a nil key sends it unmasked (which only
// a hostile client does).
func appendFrame(dst []byte, fin bool, op byte, p []byte, key []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var m byte
	if key != nil {
		m = 0x80
	}
	dst = append(dst, b0)
	switch n := len(p); {
	case n <= 125:
		dst = append(dst, m|byte(n))
	case n <= 0xffff:
		dst = append(dst, m|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if key == nil {
		return append(dst, p...)
	}
	dst = append(dst, key...)
	start := len(dst)
	dst = append(dst, p...)
	for i := range p {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// maskKey returns a fresh masking key.
func (r *rnd) maskKey() []byte {
	k := make([]byte, 4)
	binary.LittleEndian.PutUint32(k, r.Uint32())
	return k
}

var errFrameTooLong = errors.New("frame longer than 16 MiB")

// readFrame reads one frame.
func readFrame(br *bufio.Reader) (wsFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return wsFrame{}, err
	}
	f := wsFrame{fin: h[0]&0x80 != 0, rsv: h[0] & 0x70, op: h[0] & 0x0F, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 16<<20 {
		return f, errFrameTooLong
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return f, err
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(br, f.payload); err != nil {
		return f, err
	}
	return f, nil
}

// readClose reads the server's close frame and checks its code; unless
// this side closed first (answered), it answers the close; then it expects
// the server's TCP close. It returns what went wrong, or "".
func readClose(c net.Conn, br *bufio.Reader, want int, answered bool) string {
	f, err := readFrame(br)
	if err != nil {
		return fmt.Sprintf("no close frame %d before: %v", want, err)
	}
	if f.op != wsClose {
		return fmt.Sprintf("%v where close %d was due", f, want)
	}
	if f.masked || f.rsv != 0 || !f.fin {
		return fmt.Sprintf("malformed close frame from the server: %v", f)
	}
	if f.closeCode() != want {
		return fmt.Sprintf("%v, want code %d", f, want)
	}
	if !answered {
		// Answer it as a client does; the server may already be gone.
		_, _ = c.Write(appendFrame(nil, true, wsClose, f.payload[:min(2, len(f.payload))], []byte{1, 2, 3, 4}))
	}
	return expectServerEOF(br)
}

// expectServerEOF reads until EOF; anything but EOF or a reset is wrong.
func expectServerEOF(br *bufio.Reader) string {
	b, err := br.ReadByte()
	switch {
	case err == nil:
		return fmt.Sprintf("byte %#x after the close frame", b)
	case errors.Is(err, io.EOF), isReset(err):
		return ""
	}
	return fmt.Sprintf("waiting for the server's TCP close: %v", err)
}

// wsDial dials addr and upgrades at path, bounding the handshake.
func wsDial(ctx context.Context, addr, path string) (net.Conn, *bufio.Reader, error) {
	c, err := dial(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	_ = c.SetDeadline(time.Now().Add(respDeadline))
	br, err := wsHandshake(c, addr, path)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, br, nil
}

// acceptFor is Sec-WebSocket-Accept for a key (RFC 6455 4.2.2).
func acceptFor(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }
