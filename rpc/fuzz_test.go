package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// addGoldenSeeds adds every request line of testdata/*.js to the corpus.
func addGoldenSeeds(f *testing.F, extra func(string)) {
	files, _ := filepath.Glob("testdata/*.js")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if req, ok := strings.CutPrefix(l, "--> "); ok {
				extra(req)
			}
		}
	}
}

// FuzzStreamScanner checks that the stream codec never panics or loops,
// gives the same texts and error whether the input arrives whole or split
// at an arbitrary point, and frames a valid JSON text exactly.
func FuzzStreamScanner(f *testing.F) {
	for _, s := range []string{`{"a":1}{"b":2}`, "[1]\n[2]", `1 2 "x"`, `}`, "{\"a\":\"\n", `{"a" ]`, `[[[[`, `"\\"`} {
		f.Add([]byte(s), uint16(1))
	}
	addGoldenSeeds(f, func(s string) { f.Add([]byte(s+"\n"), uint16(len(s)/2)) })
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		lim := rpc.Limits{MaxMessageSize: 1 << 12, MaxDepth: 16}
		whole, errWhole := scanAll(rpc.NewStreamCodec(lim), data, 0)
		k := int(split) % (len(data) + 1)
		parts, errParts := scanSplit(rpc.NewStreamCodec(lim), data, k)
		if !errors.Is(errWhole, errParts) || strings.Join(whole, "\x00") != strings.Join(parts, "\x00") {
			t.Fatalf("split %d: whole %q %v, parts %q %v", k, whole, errWhole, parts, errParts)
		}
		for _, text := range whole {
			if text == "" || strings.IndexAny(text[:1], " \t\r\n") == 0 {
				t.Fatalf("bad text %q", text)
			}
		}
		// A single valid text followed by a newline is framed exactly.
		trimmed := bytes.TrimSpace(data)
		if json.Valid(trimmed) && len(trimmed) <= lim.MaxMessageSize && !bytes.ContainsAny(trimmed, "\n") {
			got, err := scanAll(rpc.NewStreamCodec(lim), append(append([]byte(nil), trimmed...), '\n'), 0)
			if err == nil && (len(got) != 1 || got[0] != string(trimmed)) {
				t.Fatalf("valid text %q framed as %q", trimmed, got)
			}
			if err != nil && !errors.Is(err, rpc.ErrTooDeep) {
				t.Fatalf("valid text %q: %v", trimmed, err)
			}
		}
	})
}

func scanSplit(c rpc.Codec, data []byte, k int) ([]string, error) {
	var texts []string
	buf := append([]byte(nil), data[:k]...)
	for round := 0; round < 2; round++ {
		if round == 1 {
			buf = append(append([]byte(nil), buf...), data[k:]...)
		}
		for {
			text, consumed, err := c.Scan(buf)
			if err != nil {
				return texts, err
			}
			if text != nil {
				texts = append(texts, string(text))
			}
			buf = buf[consumed:]
			if text == nil {
				break
			}
		}
	}
	return texts, nil
}

// FuzzDispatch checks that any input yields no response or one valid JSON
// response, and that Parse error is answered exactly when encoding/json
// rejects the input (unless the depth limit answered first).
func FuzzDispatch(f *testing.F) {
	for _, s := range []string{`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`, `[`, `[]`, `{"method":"Echo.Echo","params":[{}],"id":"x"}`, strings.Repeat("[", 40)} {
		f.Add([]byte(s))
	}
	addGoldenSeeds(f, func(s string) { f.Add([]byte(s)) })
	s := newTestServer(f, rpc.WithLimits(rpc.Limits{MaxDepth: 32}))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := s.DispatchWait(context.Background(), data)
		if resp == nil {
			return
		}
		if !json.Valid(resp) {
			t.Fatalf("invalid response %q for %q", resp, data)
		}
		var probe struct {
			Error *struct{ Code int }
		}
		_ = json.Unmarshal(resp, &probe)
		if bytes.Contains(resp, []byte(`"nesting too deep"`)) {
			return // the depth limit is checked before the text is known to be valid
		}
		isParseErr := probe.Error != nil && probe.Error.Code == rpc.CodeParseError
		// encoding/json's Valid lets invalid UTF-8 in strings through (it
		// would decode it as U+FFFD); RFC 8259 8.1 does not, and neither
		// does the dispatcher.
		valid := json.Valid(data) && utf8.Valid(data)
		if isParseErr == valid {
			t.Fatalf("valid JSON text=%v but response %s for %q", valid, resp, data)
		}
	})
}
