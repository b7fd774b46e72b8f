package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// The rpc package's exact answers to unrecoverable TCP input (then close).
const (
	rpcParseError = `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`
	rpcTooDeep    = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":"nesting too deep"}}`
	rpcTooLarge   = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":"message too large"}}`
)

// rpcHostileClient sends, over TCP and over POST /rpc: garbage, 100,000-deep
// nesting, and a string over the 4 MiB message limit. TCP must answer the
// one error line and close; HTTP answers with a JSON-RPC error (on a
// keep-alive connection, but for the oversized body refused from its head).
func rpcHostileClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("hostile-rpc")
	starts := []byte{'}', ']', ')', '#', 0x01, '<', 'x', 0xfe}
	hostileLoop(ctx, e, 0, 100*time.Millisecond, func() {
		var body []byte
		var reply string
		switch rng.Intn(4) {
		case 0, 1:
			body = rng.bytes(1 + rng.Intn(2048))
			body[0] = starts[rng.Intn(len(starts))]
			reply = rpcParseError
		case 2:
			body = bytes.Repeat([]byte("["), 100_000)
			if rng.Intn(2) == 0 {
				body = append(body, bytes.Repeat([]byte("]"), 100_000)...)
			}
			reply = rpcTooDeep
		default:
			body = fmt.Appendf(nil, `{"jsonrpc":"2.0","method":"Echo.Echo","params":["%s"],"id":1}`, strings.Repeat("s", 4<<20+rng.Intn(1<<20)))
			reply = rpcTooLarge
		}
		if rng.Intn(2) == 0 {
			rpcTCPError(ctx, e, k, body, reply)
			return
		}
		// Over HTTP the whole body is one text: unclosed nesting is a parse
		// error there, and an oversized body is refused with 413 first.
		var exp expect
		switch {
		case reply == rpcTooLarge:
			// Since 57f19d3 the refusal carries the JSON-RPC error;
			// since the handler is an http.Refuser it comes before the
			// body is read, and the connection closes after it.
			exp = expect{status: "413 Content Too Large", ctype: "application/json", body: []byte(rpcTooLarge), close: true}
		case reply == rpcTooDeep && body[len(body)-1] == '[':
			exp = expect{status: "200 OK", ctype: "application/json", body: []byte(rpcTooDeep)}
		default:
			exp = expect{status: "200 OK", ctype: "application/json", body: []byte(reply)}
		}
		req := append(fmt.Appendf(nil, "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n", len(body)), body...)
		errorExchange(ctx, e, k, e.rpcHTTP, req, exp, nil)
	})
}

// rpcTCPError sends body and expects exactly reply+"\n", then the close.
func rpcTCPError(ctx context.Context, e *env, k *kind, body []byte, reply string) {
	h, err := openHostile(ctx, e, e.rpcTCP, false)
	if err != nil {
		return
	}
	defer h.finish()
	_ = h.SetDeadline(time.Now().Add(respDeadline))
	go func() { _, _ = h.Write(body) }()
	br := newReader(h)
	line, err := br.ReadSlice('\n')
	if err != nil || string(line) != reply+"\n" {
		e.st.failf(k, body, line, "want %s then close (err %v)", reply, err)
		return
	}
	e.st.ok(k, 1)
	expectEOF(e, k, br, body)
}

// rpcLargeClient echoes strings of 1-3.5 MiB (under the 4 MiB limit) over
// TCP: well-formed, so verified byte for byte.
func rpcLargeClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("rpc-tcp-large")
	runLoop(ctx, e, k, e.rpcTCP, func(c net.Conn) bool {
		br := newReader(c)
		for i := 0; i < 5 && ctx.Err() == nil; i++ {
			s := strings.Repeat(string(rune('a'+rng.Intn(26))), 1<<20+rng.Intn(2<<20+1<<19))
			call := rpcCall{id: fmt.Sprint(i + 1)}
			call.text = fmt.Appendf(nil, `{"jsonrpc":"2.0","method":"Echo.Echo","params":["%s"],"id":%s}`, s, call.id)
			call.reply = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":["%s"]}`, call.id, s)
			p := map[string]rpcText{call.id: {text: call.text, calls: []rpcCall{call}}}
			if !rpcExchange(e, k, c, br, append(call.text, '\n'), p, 1, false) {
				return false
			}
		}
		return true
	})
}

// rpcHalfCloseClient sends a few texts, half-closes, and expects every
// reply, then the close. blocking: the calls go to the worker pool
// (Echo.Echo) instead of running inline on the loop.
func rpcHalfCloseClient(ctx context.Context, e *env, rng *rnd, blocking bool) {
	name := "rpc-tcp-halfclose"
	if blocking {
		name += "-blocking"
	}
	k := e.st.kind(name)
	seq := 0
	runLoop(ctx, e, k, e.rpcTCP, func(c net.Conn) bool {
		pending := map[string]rpcText{}
		var w []byte
		due := 0
		for range 1 + rng.Intn(3) {
			t := randomText(rng, &seq, blocking)
			if !blocking {
				for t.hasEcho() {
					t = randomText(rng, &seq, false)
				}
			}
			w = append(append(w, t.text...), '\n')
			for _, cl := range t.calls {
				if cl.reply != nil {
					pending[cl.id] = t
				}
			}
			if t.expectedReply() != nil {
				due++
			}
		}
		br := newReader(c)
		if rpcExchange(e, k, c, br, w, pending, due, true) {
			expectEOF(e, k, br, w)
		}
		sleepCtx(ctx, time.Duration(50+rng.Intn(200))*time.Millisecond)
		return true
	})
}

// rpcHTTPHalfCloseBlocking: POST /rpc with Echo.Echo, then CloseWrite.
func rpcHTTPHalfCloseBlocking(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("rpc-http-halfclose-blocking")
	seq := 0
	runLoop(ctx, e, k, e.rpcHTTP, func(c net.Conn) bool {
		seq++
		call := randomCall(rng, seq, false, true)
		r := httpReq{
			wire: append(fmt.Appendf(nil, "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n", len(call.text)), call.text...),
			exp:  expect{status: "200 OK", ctype: "application/json", body: call.reply},
		}
		_ = c.SetDeadline(time.Now().Add(respDeadline))
		if _, err := c.Write(r.wire); err != nil {
			e.st.failf(k, r.wire, []byte(err.Error()), "write")
			return false
		}
		_ = c.(*net.TCPConn).CloseWrite()
		br := newReader(c)
		if readAll(e, k, br, []httpReq{r}) {
			expectEOF(e, k, br, r.wire)
		}
		sleepCtx(ctx, time.Duration(100+rng.Intn(300))*time.Millisecond)
		return true
	})
}

func (t rpcText) hasEcho() bool { return bytes.Contains(t.text, []byte(`"Echo.Echo"`)) }
