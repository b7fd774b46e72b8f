package rpc_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// scanAll feeds input to c in chunks of size step (0: all at once), moving
// the buffer around between calls as a transport would, and returns the
// texts and the final error.
func scanAll(c rpc.Codec, input []byte, step int) ([]string, error) {
	var texts []string
	var buf []byte
	for fed := 0; ; {
		if step == 0 {
			buf, fed = append(buf, input...), len(input)
		} else if fed < len(input) {
			n := min(step, len(input)-fed)
			buf = append(buf, input[fed:fed+n]...)
			fed += n
		}
		buf = append([]byte(nil), buf...) // move it: the codec must keep offsets only
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
		if fed == len(input) {
			return texts, nil
		}
	}
}

func TestStreamCodecFraming(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  error
	}{
		{`{"a":1}{"b":2}`, []string{`{"a":1}`, `{"b":2}`}, nil},
		{"[1]\n[2]\n", []string{`[1]`, `[2]`}, nil},
		{"  \r\n\t{\"a\":\"}{\\\"\"}  [ ]", []string{`{"a":"}{\""}`, `[ ]`}, nil},
		{`1 2 "x"`, []string{`1`, `2`, `"x"`}, nil},
		{`1`, nil, nil}, // a trailing scalar needs a delimiter
		{`true{}null[]`, []string{`true`, `{}`, `null`, `[]`}, nil},
		{`{"a":[1,{"b":[]}]}` + "\n", []string{`{"a":[1,{"b":[]}]}`}, nil},
		{"{\"a\":\"x\n{}", []string{"{\"a\":\"x\n", `{}`}, nil},       // raw newline in string
		{"{\"a\" ]\n{}", []string{"{\"a\" ]\n", `{}`}, nil},           // mismatched bracket
		{"{\"a\":\"\\u00e9\"}", []string{"{\"a\":\"\\u00e9\"}"}, nil}, // escapes
		{`{}}`, []string{`{}`}, rpc.ErrInvalidStream},
		{"\x00\x01", nil, rpc.ErrInvalidStream},
		{`{"a":1} garbage`, []string{`{"a":1}`}, rpc.ErrInvalidStream},
	}
	for _, c := range cases {
		for _, step := range []int{0, 1, 2, 3, 7} {
			got, err := scanAll(rpc.NewStreamCodec(rpc.Limits{}), []byte(c.in), step)
			if !errors.Is(err, c.err) || strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("%q step %d: got %q, %v; want %q, %v", c.in, step, got, err, c.want, c.err)
			}
		}
	}
}

func TestStreamCodecLimits(t *testing.T) {
	lim := rpc.Limits{MaxMessageSize: 8, MaxDepth: 2}
	for in, want := range map[string]error{
		`[[1]]`:        nil,
		`[[[1]]]`:      rpc.ErrTooDeep,
		`"123456"`:     nil,
		`"1234567"`:    rpc.ErrMessageTooLarge,
		`12345678 `:    nil,
		`123456789 `:   rpc.ErrMessageTooLarge,
		`[1,2,3,4,5]`:  rpc.ErrMessageTooLarge,
		"        [1] ": nil, // leading whitespace does not count
	} {
		for _, step := range []int{0, 1, 4} {
			if _, err := scanAll(rpc.NewStreamCodec(lim), []byte(in), step); err != want {
				t.Errorf("%q step %d: %v, want %v", in, step, err, want)
			}
		}
	}
	// Errors are sticky until Reset.
	c := rpc.NewStreamCodec(lim)
	if _, _, err := c.Scan([]byte("}")); err == nil {
		t.Fatal("no error")
	}
	if _, _, err := c.Scan([]byte("{}")); err == nil {
		t.Fatal("error not sticky")
	}
	c.Reset()
	if text, _, err := c.Scan([]byte("{}")); err != nil || string(text) != "{}" {
		t.Fatal(text, err)
	}
}

func TestStreamCodecReleasesWhitespace(t *testing.T) {
	c := rpc.NewStreamCodec(rpc.Limits{})
	if _, consumed, _ := c.Scan([]byte("   \n ")); consumed != 5 {
		t.Fatalf("consumed %d", consumed)
	}
	text, consumed, _ := c.Scan([]byte("  {\"a\""))
	if text != nil || consumed != 2 {
		t.Fatalf("%q %d", text, consumed)
	}
	if text, consumed, _ = c.Scan([]byte("{\"a\":1}\n")); string(text) != `{"a":1}` || consumed != 7 {
		t.Fatalf("%q %d", text, consumed)
	}
}

func TestHeaderCodec(t *testing.T) {
	hc := rpc.NewHeaderCodec(rpc.Limits{MaxMessageSize: 100})
	in := hc.AppendFrame(nil, []byte(`{"a":1}`))
	in = append(in, "content-length:  2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]"...)
	for _, step := range []int{0, 1, 5} {
		got, err := scanAll(rpc.NewHeaderCodec(rpc.Limits{MaxMessageSize: 100}), in, step)
		if err != nil || strings.Join(got, "|") != `{"a":1}|[]` {
			t.Errorf("step %d: %q %v", step, got, err)
		}
	}
	for in, want := range map[string]error{
		"Content-Length: 101\r\n\r\n":          rpc.ErrMessageTooLarge,
		"Content-Length: x\r\n\r\n{}":          rpc.ErrInvalidStream,
		"Content-Type: a\r\n\r\n{}":            rpc.ErrInvalidStream,
		"garbage\r\n\r\n":                      rpc.ErrInvalidStream,
		strings.Repeat("X-A: b\r\n", 1000):     rpc.ErrInvalidStream,
		"Content-Length: 2\r\n\r\n{}":          nil,
		"Content-Length: -1\r\n\r\n":           rpc.ErrInvalidStream,
		"Content-Length: 99999999999999999999": nil, // header not finished yet
	} {
		if _, err := scanAll(rpc.NewHeaderCodec(rpc.Limits{MaxMessageSize: 100}), []byte(in), 3); err != want {
			t.Errorf("%.40q: %v, want %v", in, err, want)
		}
	}
}

func TestHTTPHelpers(t *testing.T) {
	s := newTestServer(t)
	for _, c := range []struct {
		method, ctype string
		length        int64
		want          int
	}{
		{"POST", "application/json", 10, 0},
		{"POST", "application/json; charset=utf-8", -1, 0},
		{"POST", "", 10, 0},
		{"GET", "application/json", 10, http.StatusMethodNotAllowed},
		{"POST", "text/plain", 10, http.StatusUnsupportedMediaType},
		{"POST", "application/json", 5 << 20, http.StatusRequestEntityTooLarge},
	} {
		if got := s.CheckHTTPRequest(c.method, c.ctype, c.length); got != c.want {
			t.Errorf("%+v: %d", c, got)
		}
	}
	ctx := context.Background()
	status, body := s.HandleHTTPBody(ctx, []byte(`{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}`))
	if status != 200 || !bytes.Contains(body, []byte(`"result":3`)) {
		t.Fatalf("%d %s", status, body)
	}
	status, body = s.HandleHTTPBody(ctx, []byte(`[{"jsonrpc":"2.0","method":"sum","params":[1,2]},{"jsonrpc":"2.0","method":"x"}]`))
	if status != 204 || body != nil {
		t.Fatalf("%d %s", status, body)
	}
	status, body = s.HandleHTTPBody(ctx, []byte(`{`))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	wantCode(t, body, rpc.CodeParseError)
}

func TestAppendScanError(t *testing.T) {
	s := newTestServer(t)
	wantCode(t, s.AppendScanError(nil, rpc.ErrInvalidStream), rpc.CodeParseError)
	wantCode(t, s.AppendScanError(nil, rpc.ErrMessageTooLarge), rpc.CodeInvalidRequest)
	wantCode(t, s.AppendScanError([]byte("x"), rpc.ErrTooDeep)[1:], rpc.CodeInvalidRequest)
}
