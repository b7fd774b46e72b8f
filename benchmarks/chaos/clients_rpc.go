package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// rpcCall is one JSON-RPC request and the reply it must get (nil for a
// notification).
type rpcCall struct {
	id    string // raw JSON id ("" for a notification)
	text  []byte
	reply []byte
}

// randomCall builds Arith.Add/Mul/Div or Echo.Echo with random operands,
// params shapes and id forms; about 1 in 10 is a notification.
func randomCall(rng *rnd, seq int, allowNotify, blocking bool) rpcCall {
	var c rpcCall
	if !allowNotify || rng.Intn(10) != 0 {
		c.id = strconv.Itoa(seq)
		if rng.Intn(2) == 0 {
			c.id = `"s-` + c.id + `"`
		}
	}
	m := rng.Intn(4)
	if blocking {
		m = 3
	}
	var method, params, result string
	if m < 3 {
		a, b := rng.Int64N(2_000_000)-1_000_000, rng.Int64N(2_000_000)-1_000_000
		var r int64
		switch m {
		case 0:
			method, r = "Arith.Add", a+b
		case 1:
			method, r = "Arith.Mul", a*b
		default:
			method = "Arith.Div"
			if rng.Intn(5) == 0 {
				b = 0
			} else if b == 0 {
				b = 7
			}
			if b != 0 {
				r = a / b
			}
		}
		switch rng.Intn(3) {
		case 0:
			params = fmt.Sprintf(`{"a":%d,"b":%d}`, a, b)
		case 1:
			params = fmt.Sprintf(`{"b":%d,"a":%d}`, b, a)
		default:
			params = fmt.Sprintf(`[{"a":%d,"b":%d}]`, a, b)
		}
		result = `"result":` + strconv.FormatInt(r, 10)
		if method == "Arith.Div" && b == 0 {
			result = `"error":{"code":1,"message":"division by zero"}`
		}
	} else {
		method, params = "Echo.Echo", randomJSON(rng, 3)
		if params[0] != '{' && params[0] != '[' {
			params = "[" + params + "]"
		}
		result = `"result":` + params
	}
	idPart := ""
	if c.id != "" {
		idPart = `,"id":` + c.id
	}
	c.text = []byte(`{"jsonrpc":"2.0","method":"` + method + `","params":` + params + idPart + `}`)
	if c.id != "" {
		c.reply = []byte(`{"jsonrpc":"2.0","id":` + c.id + `,` + result + `}`)
	}
	return c
}

// randomJSON is a compact JSON value with strings that need escaping.
func randomJSON(rng *rnd, depth int) string {
	switch k := rng.Intn(6); {
	case depth > 0 && k == 0:
		var parts []string
		for i := range rng.Intn(4) {
			parts = append(parts, fmt.Sprintf(`"k%d":%s`, i, randomJSON(rng, depth-1)))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case depth > 0 && k == 1:
		var parts []string
		for range rng.Intn(5) {
			parts = append(parts, randomJSON(rng, depth-1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case k == 2:
		return strconv.FormatInt(rng.Int64N(1<<53)-1<<52, 10)
	case k == 3:
		return []string{"true", "false", "null", "1.5e-7", "-0.25"}[rng.Intn(5)]
	default:
		b, _ := json.Marshal(string(rng.bytes(rng.Intn(40)))) // invalid UTF-8 becomes \ufffd
		return string(b)
	}
}

// rpcText is one JSON text sent: a single call or a batch.
type rpcText struct {
	text  []byte
	calls []rpcCall
	batch bool
}

func randomText(rng *rnd, seq *int, blocking bool) rpcText {
	n := 1
	batch := rng.Intn(3) == 0
	if batch {
		n = 1 + rng.Intn(8)
	}
	t := rpcText{batch: batch}
	var parts [][]byte
	for range n {
		*seq++
		c := randomCall(rng, *seq, true, blocking)
		t.calls = append(t.calls, c)
		parts = append(parts, c.text)
	}
	t.text = parts[0]
	if batch {
		t.text = append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']')
	}
	return t
}

// expectedReply is the exact reply text of t, or nil when none is due.
func (t rpcText) expectedReply() []byte {
	var rs [][]byte
	for _, c := range t.calls {
		if c.reply != nil {
			rs = append(rs, c.reply)
		}
	}
	switch {
	case len(rs) == 0:
		return nil
	case !t.batch:
		return rs[0]
	}
	return append(append([]byte("["), bytes.Join(rs, []byte(","))...), ']')
}

// matchReply checks one reply text against the pending texts (keyed by the
// id of their first call with a reply), in any order within a batch.
func matchReply(line []byte, pending map[string]rpcText) error {
	var first []byte = line
	var elems []json.RawMessage
	if len(line) > 0 && line[0] == '[' {
		if err := json.Unmarshal(line, &elems); err != nil || len(elems) == 0 {
			return fmt.Errorf("bad batch reply: %v", err)
		}
		first = elems[0]
	}
	var idOnly struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(first, &idOnly); err != nil {
		return fmt.Errorf("reply is not JSON: %v", err)
	}
	t, ok := pending[string(idOnly.ID)]
	if !ok {
		return fmt.Errorf("reply for unknown id %s", idOnly.ID)
	}
	want := t.expectedReply()
	if !bytes.Equal(line, want) && !sameBatch(elems, want) {
		return fmt.Errorf("reply differs from %s", clip(want, 300))
	}
	for _, c := range t.calls {
		delete(pending, c.id)
	}
	return nil
}

// sameBatch accepts a batch reply whose elements are the expected ones in
// another order (JSON-RPC allows any order), each byte for byte.
func sameBatch(got []json.RawMessage, want []byte) bool {
	var w []json.RawMessage
	if len(got) == 0 || json.Unmarshal(want, &w) != nil || len(w) != len(got) {
		return false
	}
	left := map[string]int{}
	for _, x := range w {
		left[string(x)]++
	}
	for _, x := range got {
		if left[string(x)] == 0 {
			return false
		}
		left[string(x)]--
	}
	return true
}

// rpcTCPClient writes 1..8 texts (single calls and batches, newline-
// delimited or concatenated) per write and matches every reply by id.
func rpcTCPClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("rpc-tcp")
	seq := 0
	runLoop(ctx, e, k, e.rpcTCP, func(c net.Conn) bool {
		br := bufio.NewReaderSize(c, 64<<10)
		for i := 0; i < 200 && ctx.Err() == nil; i++ {
			pending := map[string]rpcText{}
			var w []byte
			due := 0
			for range 1 + rng.Intn(8) {
				t := randomText(rng, &seq, false)
				w = append(w, t.text...)
				if rng.Intn(4) != 0 {
					w = append(w, '\n')
				}
				for _, cl := range t.calls {
					if cl.reply != nil {
						pending[cl.id] = t
					}
				}
				if t.expectedReply() != nil {
					due++
				}
			}
			w = append(w, '\n')
			if !rpcExchange(e, k, c, br, w, pending, due, false) {
				return false
			}
		}
		return true
	})
}

// rpcExchange writes w (then half-closes if asked) and reads due reply
// lines, each matched against pending.
func rpcExchange(e *env, k *kind, c net.Conn, br *bufio.Reader, w []byte, pending map[string]rpcText, due int, halfClose bool) bool {
	c.SetDeadline(time.Now().Add(respDeadline))
	if _, err := c.Write(w); err != nil {
		e.st.failf(k, w, []byte(err.Error()), "write")
		return false
	}
	if halfClose {
		_ = c.(*net.TCPConn).CloseWrite()
	}
	for i := range due {
		line, err := br.ReadBytes('\n')
		if err != nil {
			e.st.failf(k, w, line, "%d of %d replies missing: %v", due-i, due, err)
			return false
		}
		if err := matchReply(bytes.TrimSuffix(line, []byte("\n")), pending); err != nil {
			e.st.failf(k, w, line, "%v", err)
			return false
		}
		e.st.ok(k, 1)
	}
	return true
}

// rpcHTTPClient: POST /rpc on a keep-alive connection, one text per
// request; notification-only texts must get 204 without a body.
func rpcHTTPClient(ctx context.Context, e *env, rng *rnd) {
	k := e.st.kind("rpc-http")
	seq := 0
	runLoop(ctx, e, k, e.rpcHTTP, func(c net.Conn) bool {
		br := bufio.NewReader(c)
		for i := 0; i < 200 && ctx.Err() == nil; i++ {
			t := randomText(rng, &seq, false)
			r := httpReq{wire: fmt.Appendf(nil, "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(t.text), t.text)}
			if want := t.expectedReply(); want != nil {
				r.exp = expect{status: "200 OK", ctype: "application/json", body: want}
			} else {
				r.exp = expect{status: "204 No Content", noLength: true}
			}
			c.SetDeadline(time.Now().Add(respDeadline))
			if _, err := c.Write(r.wire); err != nil {
				e.st.failf(k, r.wire, []byte(err.Error()), "write")
				return false
			}
			resp, err := readResponse(br, false)
			if err == nil && t.batch && resp.statusLine == "HTTP/1.1 200 OK" {
				// A batch may come back in any order: check it by id, then
				// the rest of the response against the expected bytes.
				p := map[string]rpcText{}
				for _, cl := range t.calls {
					p[cl.id] = t
				}
				if matchReply(resp.body, p) == nil {
					r.exp.body = resp.body
				}
			}
			if err == nil {
				err = r.exp.check(resp)
			}
			if err != nil {
				e.st.failf(k, r.wire, resp.raw, "%v", err)
				return false
			}
			e.st.ok(k, 1)
		}
		return true
	})
}
