package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// dispatchOne dispatches msg and returns the reply text.
func dispatchOne(t *testing.T, s *rpc.Server, msg string) string {
	t.Helper()
	ch := make(chan string, 1)
	s.Dispatch(context.Background(), []byte(msg), func(r rpc.Reply) {
		ch <- string(r.Bytes())
		r.Release()
	})
	return <-ch
}

// JSON text is UTF-8 (RFC 8259 8.1): a request holding an invalid sequence
// anywhere in a string is a Parse error, never passed on to a method and
// echoed back.
func TestInvalidUTF8IsParseError(t *testing.T) {
	s := newTestServer(t)
	for name, str := range map[string]string{
		"stray byte":      "\xff",
		"overlong":        "\xc0\xaf",
		"surrogate":       "\xed\xa0\x80",
		"truncated":       "ab\xe2\x82",
		"beyond U+10FFFF": "\xf4\x90\x80\x80",
	} {
		for _, msg := range []string{
			`{"jsonrpc":"2.0","method":"Echo.Echo","params":["` + str + `"],"id":1}`,
			`{"jsonrpc":"2.0","method":"Echo.Echo","params":{"` + str + `":1},"id":1}`,
		} {
			got := dispatchOne(t, s, msg)
			if !strings.Contains(got, `"code":-32700`) || !strings.Contains(got, `"id":null`) {
				t.Errorf("%s: %q answered %s", name, msg, got)
			}
		}
	}
	// Valid multi-byte text passes through unchanged.
	valid := `["é","€","😀","\ud83d\ude00"]`
	if got := dispatchOne(t, s, `{"jsonrpc":"2.0","method":"Echo.Echo","params":`+valid+`,"id":1}`); !strings.Contains(got, `"result":`+valid) {
		t.Fatalf("valid UTF-8 answered %s", got)
	}
}

// Every reply of the stream codec is one line, even when a method returns
// raw JSON formatted over several lines (Echo returns its params as sent).
func TestStreamCodecRepliesAreOneLine(t *testing.T) {
	c := rpc.NewStreamCodec(rpc.Limits{})
	msg := "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,\n2,\r\n{\"k\":\n\t\"v\\n \\\" x\"}]}"
	out := c.AppendFrame([]byte("prev\n"), []byte(msg))
	frame := string(out[len("prev\n"):])
	if strings.Count(frame, "\n") != 1 || strings.Contains(frame, "\r") || !strings.HasSuffix(frame, "\n") {
		t.Fatalf("frame is not one line: %q", frame)
	}
	var a, b any
	if err := json.Unmarshal([]byte(msg), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(frame), &b); err != nil {
		t.Fatalf("compacted frame is not JSON: %v: %q", err, frame)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("compaction changed the value: %s vs %s", ja, jb)
	}
	// A reply without line breaks is copied as is (spaces in strings kept).
	plain := `{"jsonrpc":"2.0","id":1,"result":"a b"}`
	if got := string(c.AppendFrame(nil, []byte(plain))); got != plain+"\n" {
		t.Fatalf("plain frame %q", got)
	}
}
