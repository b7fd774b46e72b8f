package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// randomText returns n bytes or a little less of valid UTF-8 mixing 1- to
// 4-byte sequences, so that fragments split runes.
func (r *rnd) randomText(n int) []byte {
	runes := []rune{'a', 'Z', '0', ' ', 'é', 'ß', 'Ω', '€', '中', '😀', '𝄞'}
	b := make([]byte, 0, n)
	for {
		ru := runes[r.Intn(len(runes))]
		if len(b)+utf8.RuneLen(ru) > n {
			return b
		}
		b = utf8.AppendRune(b, ru)
	}
}

// wsEchoClient talks to examples/httpserver's GET /ws/echo with raw frames:
// text (UTF-8 split across fragments) and binary messages of 0 to 64 KiB
// (larger ones only grow the servers' pooled buffers; the websocket
// package's tests cover sizes up to 16 MiB),
// cut into 1-4 fragments with pings between them, several messages per
// write. Every pong must carry its ping's bytes, in order, and every echo
// must be one unmasked final frame of the message's type with exactly its
// bytes; then a close 1000 must be answered with 1000 and the TCP close.
func wsEchoClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("ws-echo")
	for ctx.Err() == nil {
		c, br, err := wsDial(ctx, e.httpAddr, "/ws/echo")
		if err != nil {
			if ctx.Err() == nil && time.Now().Before(e.end) {
				e.st.failf(k, nil, []byte(err.Error()), "upgrade")
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now().Add(respDeadline)) })
		ok := wsEchoSession(ctx, e, k, rng, c, br)
		stop()
		if ok {
			_ = c.SetDeadline(time.Now().Add(respDeadline))
			closeReq := appendFrame(nil, true, wsClose, []byte{0x03, 0xE8, 'b', 'y', 'e'}, rng.maskKey())
			if _, err := c.Write(closeReq); err != nil {
				e.st.failf(k, closeReq, []byte(err.Error()), "write close")
			} else if msg := readClose(c, br, wsNormal, true); msg != "" {
				e.st.failf(k, closeReq, nil, "close handshake: %s", msg)
			} else {
				e.st.ok(k, 1)
			}
		}
		c.Close()
	}
}

// wsEchoSession sends batches of messages and verifies what comes back;
// false once the connection can not be used any more (after a failure).
func wsEchoSession(ctx context.Context, e *env, k *kind, rng *rnd, c net.Conn, br *bufio.Reader) bool {
	type want struct {
		op      byte
		payload []byte
	}
	for batch := 0; batch < 1+rng.Intn(8) && ctx.Err() == nil; batch++ {
		var wire []byte
		var wants []want
		for range 1 + rng.Intn(4) {
			op := byte(wsBinary)
			size := rng.sizes(125, 4096, 64<<10)
			var msg []byte
			if rng.Intn(2) == 0 {
				op, msg = wsText, rng.randomText(size)
			} else {
				msg = rng.bytes(size)
			}
			parts := 1 + rng.Intn(4)
			rest := msg
			for i := range parts {
				n := len(rest)
				if i < parts-1 {
					n = rng.Intn(len(rest) + 1)
				}
				fop := byte(wsCont)
				if i == 0 {
					fop = op
				}
				wire = appendFrame(wire, i == parts-1, fop, rest[:n], rng.maskKey())
				rest = rest[n:]
				if i < parts-1 && rng.Intn(2) == 0 {
					ping := rng.bytes(rng.Intn(126))
					wire = appendFrame(wire, true, wsPing, ping, rng.maskKey())
					wants = append(wants, want{wsPong, ping})
				}
			}
			wants = append(wants, want{op, msg})
		}
		_ = c.SetDeadline(time.Now().Add(respDeadline))
		go func(w []byte) { _, _ = c.Write(w) }(wire) // large batches: read while writing
		for i, w := range wants {
			f, err := readFrame(br)
			if err != nil {
				e.st.failf(k, clipWire(wire), nil, "frame %d of %d: %v", i+1, len(wants), err)
				return false
			}
			if f.op != w.op || !f.fin || f.rsv != 0 || f.masked || !sameBytes(f.payload, w.payload) {
				e.st.failf(k, clipWire(wire), f.payload, "frame %d of %d: got %v, want op %x with %d bytes", i+1, len(wants), f, w.op, len(w.payload))
				return false
			}
			e.st.ok(k, 1)
		}
	}
	return true
}

func clipWire(w []byte) []byte { return w[:min(len(w), 300)] }

// wsDeflateClient echoes compressible text and random binary messages
// through gorilla/websocket's client with permessage-deflate, which the
// server must accept; gorilla checks the framing, this checks the bytes.
func wsDeflateClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("ws-echo-deflate")
	words := []string{"muduo ", "reactor ", "event-loop ", "websocket ", "deflate ", "ünïcödé ", "🙂 "}
	d := websocket.Dialer{
		EnableCompression: true,
		HandshakeTimeout:  respDeadline,
		NetDialContext:    (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	for ctx.Err() == nil {
		c, resp, err := d.DialContext(ctx, "ws://"+e.httpAddr+"/ws/echo", http.Header{})
		if err != nil {
			if ctx.Err() == nil && time.Now().Before(e.end) {
				e.st.failf(k, nil, []byte(err.Error()), "gorilla dial")
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
			e.st.failf(k, nil, []byte(ext), "permessage-deflate offered and not accepted")
		}
		c.EnableWriteCompression(true)
		good := true
		for i := 0; i < 1+rng.Intn(20) && ctx.Err() == nil && good; i++ {
			typ, msg := websocket.BinaryMessage, rng.bytes(rng.sizes(64, 4096, 64<<10))
			if rng.Intn(3) > 0 {
				var b strings.Builder
				for n := rng.sizes(64, 4096, 64<<10); b.Len() < n; {
					b.WriteString(words[rng.Intn(len(words))])
				}
				typ, msg = websocket.TextMessage, []byte(b.String())
			}
			_ = c.SetWriteDeadline(time.Now().Add(respDeadline))
			_ = c.SetReadDeadline(time.Now().Add(respDeadline))
			if err := c.WriteMessage(typ, msg); err != nil {
				e.st.failf(k, clipWire(msg), []byte(err.Error()), "write")
				good = false
				break
			}
			gt, got, err := c.ReadMessage()
			if err != nil || gt != typ || !bytes.Equal(got, msg) {
				e.st.failf(k, clipWire(msg), clipWire(got), "echo of a %d-byte message: type %d, %d bytes, err %v", len(msg), gt, len(got), err)
				good = false
				break
			}
			e.st.ok(k, 1)
		}
		if good {
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(wsNormal, ""), time.Now().Add(respDeadline))
			_, _, err := c.ReadMessage()
			if !websocket.IsCloseError(err, wsNormal) {
				e.st.failf(k, nil, []byte(fmt.Sprint(err)), "close 1000 not answered with 1000")
			} else {
				e.st.ok(k, 1)
			}
		}
		c.Close()
	}
}

// wsSubscribeClient subscribes to examples/rpcserver's Ticker over GET /ws
// with {"interval_ms":N,"count":M}: the reply carries the subscription id,
// then exactly M notifications with results 1..M must follow, then nothing
// more: an Arith.Add call made after the last one must be answered next.
func wsSubscribeClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("ws-rpc-subscribe")
	for ctx.Err() == nil {
		c, br, err := wsDial(ctx, e.rpcHTTP, "/ws")
		if err != nil {
			if ctx.Err() == nil && time.Now().Before(e.end) {
				e.st.failf(k, nil, []byte(err.Error()), "upgrade")
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		for i := 0; i < 1+rng.Intn(4) && ctx.Err() == nil; i++ {
			if !wsSubscribeOnce(e, k, rng, c, br, i) {
				break
			}
		}
		c.Close()
	}
}

func wsSubscribeOnce(e *env, k *kind, rng *rnd, c net.Conn, br *bufio.Reader, seq int) bool {
	interval, count := rng.Intn(6), rng.Intn(60)
	id := 2*seq + 1
	req := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"Ticker.subscribe","params":{"interval_ms":%d,"count":%d}}`, id, interval, count)
	_ = c.SetDeadline(time.Now().Add(respDeadline + time.Duration(interval*count)*time.Millisecond))
	if _, err := c.Write(appendFrame(nil, true, wsText, req, rng.maskKey())); err != nil {
		e.st.failf(k, req, []byte(err.Error()), "write")
		return false
	}
	next := func() ([]byte, bool) {
		f, err := readFrame(br)
		if err != nil || f.op != wsText || !f.fin || f.rsv != 0 || f.masked {
			e.st.failf(k, req, f.payload, "want one text frame: %v (%v)", f, err)
			return nil, false
		}
		return f.payload, true
	}
	reply, ok := next()
	if !ok {
		return false
	}
	prefix := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":`, id)
	sub, found := strings.CutPrefix(string(reply), prefix)
	sub, found2 := strings.CutSuffix(sub, "}")
	if !found || !found2 || len(sub) < 3 || sub[0] != '"' || sub[len(sub)-1] != '"' {
		e.st.failf(k, req, reply, "subscribe reply without a subscription id")
		return false
	}
	e.st.ok(k, 1)
	for n := 1; n <= count; n++ {
		got, ok := next()
		if !ok {
			return false
		}
		want := fmt.Sprintf(`{"jsonrpc":"2.0","method":"Ticker.subscription","params":{"subscription":%s,"result":%d}}`, sub, n)
		if string(got) != want {
			e.st.failf(k, req, got, "notification %d of %d: want %s", n, count, want)
			return false
		}
	}
	e.st.ok(k, count)
	// Arith.Add runs on the loop: unlike Echo.Echo it adds no call to
	// the rpc worker pool, whose pooled reply buffers the large-message
	// clients grow (see the rpc RSS note in benchmarks/README).
	add := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"Arith.Add","params":{"a":%d,"b":%d}}`, id+1, count, id)
	if _, err := c.Write(appendFrame(nil, true, wsText, add, rng.maskKey())); err != nil {
		e.st.failf(k, add, []byte(err.Error()), "write")
		return false
	}
	got, ok := next()
	if !ok {
		return false
	}
	if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`, id+1, count+id); string(got) != want {
		e.st.failf(k, add, got, "after the last notification: want %s", want)
		return false
	}
	e.st.ok(k, 1)
	return true
}

// wsOpenHostile dials and upgrades a hostile WebSocket connection,
// counted with the other hostile connections; a failed upgrade is the
// server's failure.
func wsOpenHostile(ctx context.Context, e *env, k *kind, addr, path string, rcvbuf int) (net.Conn, *bufio.Reader, func()) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
		}
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, nil
	}
	e.st.hostileOpen.Add(1)
	e.st.hostileAll.Add(1)
	done := func() { c.Close(); e.st.hostileOpen.Add(-1) }
	_ = c.SetDeadline(time.Now().Add(respDeadline))
	br, err := wsHandshake(c, addr, path)
	if err != nil {
		if ctx.Err() == nil {
			e.st.failf(k, nil, []byte(err.Error()), "upgrade")
		}
		done()
		return nil, nil, nil
	}
	return c, br, done
}

// wsUnmaskedClient sends an unmasked frame (a text or binary message, a
// fragment, a ping) on /ws/echo: the server must fail the connection with
// a close 1002 and close TCP within the close timeout.
func wsUnmaskedClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-ws-unmasked")
	hostileLoop(ctx, e, wsCloseTimeout+closeSlack, 50*time.Millisecond, func() {
		c, br, done := wsOpenHostile(ctx, e, k, e.httpAddr, "/ws/echo", 0)
		if c == nil {
			return
		}
		defer done()
		start := time.Now()
		var wire []byte
		if rng.Intn(2) == 0 { // a valid message first, echoed before the bad one
			wire = appendFrame(wire, true, wsBinary, []byte("fine"), rng.maskKey())
		}
		ops := []byte{wsText, wsBinary, wsPing}
		op := ops[rng.Intn(len(ops))]
		wire = appendFrame(wire, rng.Intn(4) > 0, op, rng.randomText(rng.Intn(126)), nil)
		_ = c.SetDeadline(time.Now().Add(wsCloseTimeout + closeSlack))
		if _, err := c.Write(wire); err != nil {
			e.st.failf(k, wire, []byte(err.Error()), "write")
			return
		}
		if len(wire) > 0 && wire[0] == 0x82 && wire[1] == 0x84 {
			if f, err := readFrame(br); err != nil || f.op != wsBinary || string(f.payload) != "fine" {
				e.st.failf(k, wire, f.payload, "the valid message before the unmasked frame was not echoed: %v (%v)", f, err)
				return
			}
		}
		if msg := readClose(c, br, wsProtocolError, false); msg != "" {
			e.st.failf(k, wire, nil, "unmasked frame: %s", msg)
			return
		}
		e.st.hostileClosed("ws-unmasked", time.Since(start), wsCloseTimeout+closeSlack)
		e.st.ok(k, 1)
	})
}

// wsFragmentsClient starts a binary message and sends continuation frames
// of 1 byte to 64 KiB without end: the server must fail it with 1009 once
// it passes the 16 MiB message limit, and close.
func wsFragmentsClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-ws-fragments")
	hostileLoop(ctx, e, respDeadline+closeSlack, 200*time.Millisecond, func() {
		c, br, done := wsOpenHostile(ctx, e, k, e.httpAddr, "/ws/echo", 0)
		if c == nil {
			return
		}
		defer done()
		start := time.Now()
		_ = c.SetDeadline(time.Now().Add(respDeadline + closeSlack))
		stopWriting := make(chan struct{})
		go func() {
			chunk := rng.bytes(64 << 10)
			key := rng.maskKey()
			w := appendFrame(nil, false, wsBinary, chunk, key)
			for sent := 0; sent < 40<<20; {
				select {
				case <-stopWriting:
					return
				default:
				}
				if _, err := c.Write(w); err != nil {
					return
				}
				sent += len(w)
				w = appendFrame(w[:0], false, wsCont, chunk[:1+rng.Intn(len(chunk))], key)
			}
		}()
		msg := readClose(c, br, wsTooBig, false)
		close(stopWriting)
		if msg != "" {
			e.st.failf(k, []byte("endless fragments"), nil, "endless fragments: %s", msg)
			return
		}
		e.st.hostileClosed("ws-fragments", time.Since(start), respDeadline+closeSlack)
		e.st.ok(k, 1)
	})
}

// wsNoReadClient subscribes to a Ticker that never ends (interval 0,
// 1,000,000 notifications) over examples/rpcserver's GET /ws with a tiny
// receive buffer and does not read: the server must drop it with close
// 1008 once its notification queue is full (the rpc server's slow_closed
// counter says when). Then it reads everything: the reply, notifications
// 1..n in order, the close 1008, the TCP close.
func wsNoReadClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-ws-noread")
	const cutWithin = 15 * time.Second
	hostileLoop(ctx, e, cutWithin+wsCloseTimeout, 500*time.Millisecond, func() {
		before, ok := slowClosed(e.rpcHTTP)
		if !ok {
			e.st.failf(k, nil, nil, "rpcserver's /debug/vars has no websocket slow_closed counter")
			return
		}
		c, br, done := wsOpenHostile(ctx, e, k, e.rpcHTTP, "/ws", 4096)
		if c == nil {
			return
		}
		defer done()
		start := time.Now()
		req := []byte(`{"jsonrpc":"2.0","id":1,"method":"Ticker.subscribe","params":{"interval_ms":0,"count":1000000}}`)
		_ = c.SetDeadline(time.Now().Add(cutWithin + respDeadline))
		if _, err := c.Write(appendFrame(nil, true, wsText, req, rng.maskKey())); err != nil {
			e.st.failf(k, req, []byte(err.Error()), "write")
			return
		}
		for n, ok := slowClosed(e.rpcHTTP); !ok || n == before; n, ok = slowClosed(e.rpcHTTP) {
			if time.Since(start) > cutWithin {
				e.st.failf(k, req, nil, "a client that does not read was not cut off within %v", cutWithin)
				e.st.hostileClosed("ws-noread", time.Since(start), cutWithin+wsCloseTimeout)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Cut off: now read what the server queued, fast. Through the
		// 4 KiB window the rest drains at the pace of TCP's persist timer,
		// which under load outlasted the deadline once (1668 notifications
		// read, then i/o timeout, in a CI run): how fast this client reads
		// is not what is checked, the order and the close 1008 are.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4 << 20)
		}
		_ = c.SetDeadline(time.Now().Add(respDeadline + wsCloseTimeout))
		f, err := readFrame(br)
		prefix := `{"jsonrpc":"2.0","id":1,"result":"`
		if err != nil || f.op != wsText || !bytes.HasPrefix(f.payload, []byte(prefix)) {
			e.st.failf(k, req, f.payload, "subscribe reply: %v (%v)", f, err)
			return
		}
		sub := string(f.payload[len(prefix)-1 : len(f.payload)-1])
		for n := 1; ; n++ {
			f, err := readFrame(br)
			if err != nil {
				e.st.failf(k, req, nil, "after %d notifications: %v (no close 1008)", n-1, err)
				return
			}
			if f.op == wsClose {
				if f.closeCode() != wsPolicyViolation {
					e.st.failf(k, req, f.payload, "after %d notifications: %v, want 1008", n-1, f)
					return
				}
				_, _ = c.Write(appendFrame(nil, true, wsClose, f.payload[:2], rng.maskKey()))
				if msg := expectServerEOF(br); msg != "" {
					e.st.failf(k, req, nil, "after the close 1008: %s", msg)
					return
				}
				break
			}
			want := fmt.Sprintf(`{"jsonrpc":"2.0","method":"Ticker.subscription","params":{"subscription":%s,"result":%d}}`, sub, n)
			if string(f.payload) != want {
				e.st.failf(k, req, f.payload, "notification %d: want %s", n, want)
				return
			}
		}
		e.st.hostileClosed("ws-noread", time.Since(start), cutWithin+wsCloseTimeout)
		e.st.ok(k, 1)
	})
}

// slowClosed reads the rpc server's count of WebSocket connections closed
// for a full notification queue from its /debug/vars.
func slowClosed(addr string) (float64, bool) {
	v, err := debugVars("http://" + addr)
	if err != nil {
		return 0, false
	}
	for name, n := range v {
		if strings.HasSuffix(name, "websocket.slow_closed") {
			return n, true
		}
	}
	return 0, false
}
