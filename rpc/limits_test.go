package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

func wantCode(t *testing.T, resp []byte, code int) {
	t.Helper()
	var r struct {
		Error *struct{ Code int } `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.Error == nil || r.Error.Code != code {
		t.Fatalf("want error %d, got %.200s (%v)", code, resp, err)
	}
}

func TestDeepNesting(t *testing.T) {
	s := newTestServer(t)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	wantCode(t, s.DispatchWait(context.Background(), []byte(deep)), rpc.CodeInvalidRequest)
	// Inside params too, and unbalanced.
	req := `{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":` + strings.Repeat(`{"a":`, 100000)
	wantCode(t, s.DispatchWait(context.Background(), []byte(req)), rpc.CodeInvalidRequest)
	// Exactly at the limit is fine.
	ok := `{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":` + strings.Repeat("[", 127) + strings.Repeat("]", 127) + "}"
	if got := s.DispatchWait(context.Background(), []byte(ok)); bytes.Contains(got, []byte(`"error"`)) {
		t.Fatalf("depth 128 rejected: %s", got)
	}
	// The stream codec rejects it while scanning, without buffering it all.
	c := rpc.NewStreamCodec(s.Limits())
	if _, _, err := c.Scan([]byte(deep)); err != rpc.ErrTooDeep {
		t.Fatalf("scan: %v", err)
	}
}

func TestTenMegabyteString(t *testing.T) {
	s := newTestServer(t)
	big := `{"jsonrpc":"2.0","method":"Echo.Echo","id":1,"params":["` + strings.Repeat("x", 10<<20) + `"]}`
	wantCode(t, s.DispatchWait(context.Background(), []byte(big)), rpc.CodeInvalidRequest)
	status, body := s.HandleHTTPBody(context.Background(), []byte(big))
	if status != 413 {
		t.Fatalf("HTTP status %d", status)
	}
	wantCode(t, body, rpc.CodeInvalidRequest)

	// Stream codec: fed in 64 KiB chunks, it fails once the limit is
	// passed, having looked at no more than the limit plus one chunk.
	c := rpc.NewStreamCodec(s.Limits())
	var buf []byte
	fed := 0
	for fed < len(big) {
		n := min(64<<10, len(big)-fed)
		buf = append(buf, big[fed:fed+n]...)
		fed += n
		text, consumed, err := c.Scan(buf)
		if err != nil {
			if err != rpc.ErrMessageTooLarge {
				t.Fatal(err)
			}
			if fed > rpc.DefaultMaxMessageSize+64<<10 {
				t.Fatalf("error only after %d bytes", fed)
			}
			return
		}
		if text != nil {
			t.Fatal("accepted a 10 MB text")
		}
		buf = buf[consumed:]
	}
	t.Fatal("no error")
}

func TestRandomBinary(t *testing.T) {
	s := newTestServer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, rng.IntN(512)+1)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		resp := s.DispatchWait(context.Background(), b)
		if !json.Valid(resp) {
			t.Fatalf("invalid response %q", resp)
		}
		c := rpc.NewStreamCodec(rpc.Limits{})
		for buf := b; ; {
			text, consumed, err := c.Scan(buf)
			if err != nil || text == nil {
				break // unrecoverable or waiting: both fine
			}
			if !json.Valid(s.DispatchWait(context.Background(), text)) {
				t.Fatalf("invalid response for %q", text)
			}
			buf = buf[consumed:]
		}
	}
}

func TestIDsByteExact(t *testing.T) {
	s := newTestServer(t)
	for _, id := range []string{`"caf\u00e9"`, `"\ud83d\ude00 \/"`, `18446744073709551617123`, `1.50`, `-0.0e+00`, `null`, `"é"`, `1E2`} {
		for _, req := range []string{
			`{"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":` + id + `}`,
			`{"jsonrpc":"2.0","method":"sum","params":[1],"id":` + id + `}`,   // worker pool
			`{"jsonrpc":"2.0","method":"nope","id":` + id + `}`,               // error
			`{"method":"subtract","params":[{"minuend":2}],"id":` + id + `}`,  // 1.0
			`[{"jsonrpc":"2.0","method":"sum","params":[1],"id":` + id + `}]`, // batch
		} {
			got := s.DispatchWait(context.Background(), []byte(req))
			if id == "null" && strings.HasPrefix(req, `{"method"`) {
				if got != nil {
					t.Fatalf("1.0 notification answered: %s", got)
				}
				continue
			}
			if !bytes.Contains(got, []byte(`"id":`+id+`,`)) {
				t.Fatalf("id %s not echoed exactly: %s", id, got)
			}
		}
	}
}

func TestBatchLimit(t *testing.T) {
	s := newTestServer(t, rpc.WithLimits(rpc.Limits{MaxBatch: 3}))
	one := `{"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1}`
	got := s.DispatchWait(context.Background(), []byte("["+strings.Repeat(one+",", 3)+one+"]"))
	wantCode(t, got, rpc.CodeInvalidRequest)
	got = s.DispatchWait(context.Background(), []byte("["+one+","+one+","+one+"]"))
	if bytes.Count(got, []byte(`"result":1`)) != 3 {
		t.Fatalf("batch of 3: %s", got)
	}
}

// TestBackpressure checks the per-session in-flight limit, the bounded
// queue, and that callbacks come from workers with the right counts.
func TestBackpressure(t *testing.T) {
	s := rpc.NewServer(rpc.WithWorkers(1), rpc.WithQueueSize(2), rpc.WithMaxInFlight(3))
	defer s.Close()
	release, started := make(chan struct{}), make(chan struct{}, 10)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // runs before s.Close even when the test fails
	if err := s.RegisterMethod("Block.Wait", func(int, *int) error {
		started <- struct{}{}
		<-release
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sess := s.NewSession(context.Background())
	var mu sync.Mutex
	var replies [][]byte
	var wg sync.WaitGroup
	dispatch := func(sess *rpc.Session) {
		wg.Add(1)
		sess.Dispatch([]byte(`{"jsonrpc":"2.0","method":"Block.Wait","id":1}`), func(r rpc.Reply) {
			mu.Lock()
			replies = append(replies, bytes.Clone(r.Bytes()))
			mu.Unlock()
			r.Release()
			wg.Done()
		})
	}
	dispatch(sess)
	<-started // the only worker is now busy; the queue holds 2
	dispatch(sess)
	dispatch(sess)
	if !sess.Saturated() || sess.InFlight() != 3 {
		t.Fatalf("in flight %d", sess.InFlight())
	}
	dispatch(sess) // over MaxInFlight: answered at once
	mu.Lock()
	if len(replies) != 1 {
		t.Fatalf("replies %d", len(replies))
	}
	wantCode(t, replies[0], rpc.CodeServerBusy)
	mu.Unlock()
	// A second session fills the queue (1 running + 2 queued already).
	other := s.NewSession(context.Background())
	dispatch(other)
	dispatch(other)
	unblock()
	wg.Wait()
	busy := 0
	for _, r := range replies {
		if bytes.Contains(r, []byte(`-32000`)) {
			busy++
		}
	}
	if busy < 2 || sess.InFlight() != 0 || other.InFlight() != 0 {
		t.Fatalf("busy=%d inflight=%d/%d: %q", busy, sess.InFlight(), other.InFlight(), replies)
	}
}

func TestCancelledAndClosed(t *testing.T) {
	s := newTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantCode(t, sessionWait(s.NewSession(ctx), `{"jsonrpc":"2.0","method":"sum","params":[1],"id":1}`), rpc.CodeServerClosed)
	s.Close()
	wantCode(t, s.DispatchWait(context.Background(), []byte(`{"jsonrpc":"2.0","method":"sum","params":[1],"id":1}`)), rpc.CodeServerClosed)
	// Inline methods keep working after Close.
	if got := s.DispatchWait(context.Background(), []byte(`{"jsonrpc":"2.0","method":"subtract","params":[1],"id":1}`)); !bytes.Contains(got, []byte(`"result":1`)) {
		t.Fatal(string(got))
	}
}

func sessionWait(sess *rpc.Session, msg string) []byte {
	ch := make(chan []byte, 1)
	sess.Dispatch([]byte(msg), func(r rpc.Reply) {
		ch <- bytes.Clone(r.Bytes())
		r.Release()
	})
	return <-ch
}

// TestHTTPOversizeRefusedFromHead: a POST announcing a body over the
// message size limit (under the HTTP server's 8 MiB or over it) gets its
// 413 with a JSON-RPC error at once: no 100 Continue, none of the body
// awaited, and the connection closes.
func TestHTTPOversizeRefusedFromHead(t *testing.T) {
	s := newTestServer(t)
	for _, expect := range []string{"", "Expect: 100-continue\r\n", "big"} {
		size := 5 << 20
		if expect == "big" { // over the HTTP server's 8 MiB too
			expect, size = "", 9<<20
		}
		c := dialLine(t, startHTTP(t, s))
		c.send(fmt.Sprintf("POST /rpc HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
			expect, size))
		status := strings.TrimRight(c.recv(), "\r")
		if status != "HTTP/1.1 413 Content Too Large" {
			t.Fatalf("%q: status %q", expect, status)
		}
		n := -1
		closing := false
		for {
			l := strings.TrimRight(c.recv(), "\r")
			if l == "" {
				break
			}
			k, v, _ := strings.Cut(l, ":")
			switch strings.ToLower(k) {
			case "content-length":
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			case "connection":
				closing = strings.TrimSpace(v) == "close"
			}
		}
		body := make([]byte, max(n, 0))
		if _, err := io.ReadFull(c.r, body); err != nil || !closing {
			t.Fatalf("%q: body %v, Connection: close %v", expect, err, closing)
		}
		wantCode(t, body, rpc.CodeInvalidRequest)
		if b, err := io.ReadAll(c.r); len(b) != 0 || err != nil {
			t.Fatalf("%q: after the answer %q %v, want a clean close", expect, b, err)
		}
	}
}
