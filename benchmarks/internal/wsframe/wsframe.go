// Package wsframe is the WebSocket client side the load generators need:
// the opening handshake on a net.Conn, read without buffering past the
// response head (so the connection can then be read directly), masked
// client frames and the server's unmasked frame headers.
package wsframe

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
)

// Handshake sends the opening handshake for path (no extensions offered)
// and reads the response head byte by byte up to its blank line, so that
// nothing of the first frames is consumed. It fails unless the status is
// 101.
func Handshake(c net.Conn, host, path string) error {
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	var head []byte
	var b [1]byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if len(head) > 4096 {
			return errors.New("wsframe: handshake response head over 4 KiB")
		}
		if _, err := c.Read(b[:]); err != nil {
			return fmt.Errorf("wsframe: handshake response: %w", err)
		}
		head = append(head, b[0])
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101 ")) {
		return fmt.Errorf("wsframe: handshake answered %q", head[:bytes.IndexByte(head, '\n')+1])
	}
	return nil
}

// AppendClientFrame appends a final binary frame carrying p, masked with
// key, to dst.
func AppendClientFrame(dst []byte, p []byte, key [4]byte) []byte {
	dst = append(dst, 0x82)
	switch n := len(p); {
	case n <= 125:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, p...)
	for i := range p {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// ServerHeaderLen is the length of the header of an unmasked server frame
// with an n-byte payload.
func ServerHeaderLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xffff:
		return 4
	}
	return 10
}

// CheckServerFrame reports whether frame is exactly a final, unmasked,
// uncompressed binary frame carrying want.
func CheckServerFrame(frame, want []byte) bool {
	h := ServerHeaderLen(len(want))
	if len(frame) != h+len(want) || frame[0] != 0x82 {
		return false
	}
	switch h {
	case 2:
		if frame[1] != byte(len(want)) {
			return false
		}
	case 4:
		if frame[1] != 126 || int(frame[2])<<8|int(frame[3]) != len(want) {
			return false
		}
	default:
		if frame[1] != 127 {
			return false
		}
	}
	return bytes.Equal(frame[h:], want)
}
