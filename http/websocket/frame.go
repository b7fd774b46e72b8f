package websocket

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// MessageType is the type of a data message (RFC 6455 5.6).
type MessageType uint8

// The data message types; their values are the frame opcodes.
const (
	TextMessage   MessageType = 1 // UTF-8 text, validated on receipt
	BinaryMessage MessageType = 2 // arbitrary bytes
)

// String returns "text" or "binary".
func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Frame opcodes (RFC 6455 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Frame header bits.
const (
	bitFin  = 0x80
	bitRsv1 = 0x40
	bitRsv2 = 0x20
	bitRsv3 = 0x10
	bitMask = 0x80
)

// maxControlPayload is the largest payload of a control frame (RFC 6455 5.5).
const maxControlPayload = 125

// maxHeaderLen is the longest frame header: 2 + 8 (length) + 4 (mask key).
const maxHeaderLen = 14

// Close status codes (RFC 6455 7.4.1 and the IANA registry).
const (
	CloseNormal           = 1000 // the purpose of the connection is fulfilled
	CloseGoingAway        = 1001 // server shutting down, page navigated away, idle timeout
	CloseProtocolError    = 1002 // the peer broke RFC 6455
	CloseUnsupportedData  = 1003 // a message type this endpoint does not accept
	CloseNoStatus         = 1005 // reported only: the close frame carried no code
	CloseAbnormal         = 1006 // reported only: the connection ended without a close frame
	CloseInvalidPayload   = 1007 // a text message (or close reason) that is not UTF-8
	ClosePolicyViolation  = 1008 // a generic policy violation (a slow consumer, say)
	CloseMessageTooBig    = 1009 // a frame or message larger than the limit
	CloseMandatoryExt     = 1010 // client: the server did not negotiate a needed extension
	CloseInternalError    = 1011 // the server hit an unexpected condition
	CloseServiceRestart   = 1012 // the service restarts
	CloseTryAgainLater    = 1013 // overloaded: try again later
	CloseBadGateway       = 1014 // a gateway got an invalid response upstream
	closeTLSHandshakeFail = 1015 // reported only, never sent
)

// validCloseCode reports whether code may appear in a close frame (RFC 6455
// 7.4: the defined codes except those reserved for reporting, and the
// 3000-4999 ranges for libraries, frameworks and applications).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// frameHeader is a parsed frame header.
type frameHeader struct {
	fin, rsv1 bool
	opcode    byte
	masked    bool
	key       [4]byte
	length    int64 // payload length
	size      int   // header length in bytes
}

var (
	errReservedBits   = errors.New("websocket: reserved bits set without a negotiated extension")
	errBadOpcode      = errors.New("websocket: reserved opcode")
	errControlLength  = errors.New("websocket: control frame payload over 125 bytes")
	errControlFrag    = errors.New("websocket: fragmented control frame")
	errBadLength      = errors.New("websocket: payload length not minimally encoded or over 2^63-1")
	errMaskRequired   = errors.New("websocket: client frame not masked")
	errMaskForbidden  = errors.New("websocket: server frame masked")
	errContinuation   = errors.New("websocket: continuation frame without a message in progress")
	errExpectedCont   = errors.New("websocket: new data frame while a fragmented message is in progress")
	errCompressedCtl  = errors.New("websocket: compressed control or continuation frame")
	errCloseLength    = errors.New("websocket: close frame with a 1-byte payload")
	errCloseCode      = errors.New("websocket: invalid close code")
	errCloseReason    = errors.New("websocket: close reason is not UTF-8")
	errInvalidUTF8    = errors.New("websocket: text message is not UTF-8")
	errMessageTooBig  = errors.New("websocket: message over the size limit")
	errBadCompression = errors.New("websocket: invalid compressed data")
)

// parseHeader parses the frame header at the start of b. It returns
// ok=false when b holds only part of it. It checks what the header alone
// tells: opcode, control frame rules, length encoding. Masking and
// reserved bits depend on the connection and are checked by the caller.
func parseHeader(b []byte) (h frameHeader, ok bool, err error) {
	if len(b) < 2 {
		return h, false, nil
	}
	b0, b1 := b[0], b[1]
	h.fin = b0&bitFin != 0
	h.rsv1 = b0&bitRsv1 != 0
	h.opcode = b0 & 0x0F
	h.masked = b1&bitMask != 0
	if b0&(bitRsv2|bitRsv3) != 0 {
		return h, false, errReservedBits
	}
	switch h.opcode {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		if !h.fin {
			return h, false, errControlFrag
		}
	default:
		return h, false, errBadOpcode
	}
	n := int(b1 & 0x7F)
	size := 2
	switch n {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if h.masked {
		size += 4
	}
	if h.opcode >= opClose && n > maxControlPayload {
		return h, false, errControlLength
	}
	if len(b) < size {
		return h, false, nil
	}
	switch n {
	case 126:
		h.length = int64(binary.BigEndian.Uint16(b[2:]))
		if h.length < 126 {
			return h, false, errBadLength
		}
	case 127:
		u := binary.BigEndian.Uint64(b[2:])
		if u>>63 != 0 || u <= 0xFFFF {
			return h, false, errBadLength
		}
		h.length = int64(u)
	default:
		h.length = int64(n)
	}
	if h.masked {
		copy(h.key[:], b[size-4:size])
	}
	h.size = size
	return h, true, nil
}

// appendHeader appends a frame header for a payload of n bytes; key is
// nil for an unmasked (server) frame.
func appendHeader(dst []byte, first byte, n int, key []byte) []byte {
	var b1 byte
	if key != nil {
		b1 = bitMask
	}
	switch {
	case n < 126:
		dst = append(dst, first, b1|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, first, b1|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, first, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, key...)
}

// maskBytes XORs b with the key, starting at key position pos, and
// returns the position after b (RFC 6455 5.3).
func maskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	// Align the key to b's start and go 8 bytes at a time.
	if len(b) >= 16 {
		var k [8]byte
		for i := range 8 {
			k[i] = key[(pos+i)&3]
		}
		k64 := binary.LittleEndian.Uint64(k[:])
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[pos&3]
		pos++
	}
	return pos & 3
}
