package rpc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// Golden files (testdata/*.js) follow go-ethereum's rpc/testdata format:
// "// comment" lines, "--> request" lines and the "<-- response" line
// expected for the preceding request (none when the request must get no
// response). Responses are compared as JSON values, numbers by their text
// (so ids must come back with the same number spelling); a batch array is
// compared ignoring order, and an expected error object without "data"
// accepts any data. Each request is one line, so the same files drive the
// newline-delimited stream codec.

type goldenCase struct {
	line int
	req  string
	resp string // "" when no response is due
}

func loadGolden(t *testing.T, path string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "--> "):
			cases = append(cases, goldenCase{line: i + 1, req: l[4:]})
		case strings.HasPrefix(l, "<-- "):
			if len(cases) == 0 || cases[len(cases)-1].resp != "" {
				t.Fatalf("%s:%d: response without request", path, i+1)
			}
			cases[len(cases)-1].resp = l[4:]
		case l == "" || strings.HasPrefix(l, "//"):
		default:
			t.Fatalf("%s:%d: bad line %q", path, i+1, l)
		}
	}
	return cases
}

func goldenFiles(t *testing.T) []string {
	files, err := filepath.Glob("testdata/*.js")
	if err != nil || len(files) == 0 {
		t.Fatal("no golden files", err)
	}
	return files
}

func canon(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", s, err)
	}
	if d.More() {
		t.Fatalf("trailing data in %q", s)
	}
	return v
}

// stripData drops "data" from actual error objects whose expected
// counterpart has none.
func stripData(want, got any) {
	w, ok1 := want.(map[string]any)
	g, ok2 := got.(map[string]any)
	if !ok1 || !ok2 {
		return
	}
	we, ok1 := w["error"].(map[string]any)
	ge, ok2 := g["error"].(map[string]any)
	if ok1 && ok2 {
		if _, has := we["data"]; !has {
			delete(ge, "data")
		}
	}
}

func checkResponse(t *testing.T, where, want, got string) {
	t.Helper()
	if want == "" || got == "" {
		if want != got {
			t.Errorf("%s: got %q, want %q", where, got, want)
		}
		return
	}
	w, g := canon(t, want), canon(t, got)
	wb, isBatch := w.([]any)
	gb, _ := g.([]any)
	if isBatch && len(wb) == len(gb) {
		// Match each expected element with an actual one, ignoring order.
		used := make([]bool, len(gb))
	next:
		for _, we := range wb {
			for k, ge := range gb {
				stripData(we, ge)
				if !used[k] && reflect.DeepEqual(we, ge) {
					used[k] = true
					continue next
				}
			}
			t.Errorf("%s: batch\n got %s\nwant %s", where, got, want)
			return
		}
		return
	}
	stripData(w, g)
	if !reflect.DeepEqual(w, g) {
		t.Errorf("%s:\n got %s\nwant %s", where, got, want)
	}
}

func TestGoldenDispatch(t *testing.T) {
	for _, f := range goldenFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := newTestServer(t)
			for _, c := range loadGolden(t, f) {
				got := s.DispatchWait(context.Background(), []byte(c.req))
				checkResponse(t, f+":"+strconv.Itoa(c.line), c.resp, string(got))
			}
		})
	}
}

// sentinel is sent after each file over TCP; its response must be the next
// line, which proves no stray response was produced for a notification.
const sentinel = `{"jsonrpc":"2.0","method":"subtract","params":[1,1],"id":"sentinel"}`

// runGoldenStream sends every golden file over a real TCP connection to the
// transport start returns the address of; frame and read are the codec's
// framing as seen by a client.
func runGoldenStream(t *testing.T, start func(*testing.T, *rpc.Server) string, frame func([]byte) []byte, read func(*bufio.Reader) (string, error)) {
	for _, f := range goldenFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := newTestServer(t)
			addr := start(t, s)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(conn)
			cases := append(loadGolden(t, f), goldenCase{req: sentinel, resp: `{"jsonrpc":"2.0","id":"sentinel","result":0}`})
			for _, c := range cases {
				if _, err := conn.Write(frame([]byte(c.req))); err != nil {
					t.Fatal(err)
				}
				if c.resp == "" {
					continue
				}
				got, err := read(r)
				if err != nil {
					t.Fatalf("%s:%d: %v", f, c.line, err)
				}
				checkResponse(t, f+":"+strconv.Itoa(c.line), c.resp, got)
			}
		})
	}
}

// testTransportWith starts the std-net test transport with newCodec.
func testTransportWith(newCodec func() rpc.Codec) func(*testing.T, *rpc.Server) string {
	return func(t *testing.T, s *rpc.Server) string { return startTransport(t, s, newCodec) }
}

func frameLine(b []byte) []byte { return append(b, '\n') }

func readLine(r *bufio.Reader) (string, error) {
	l, err := r.ReadString('\n')
	return strings.TrimSuffix(l, "\n"), err
}

func frameHeader(b []byte) []byte { return rpc.NewHeaderCodec(rpc.Limits{}).AppendFrame(nil, b) }

func TestGoldenStreamTCP(t *testing.T) {
	runGoldenStream(t, testTransportWith(func() rpc.Codec { return rpc.NewStreamCodec(rpc.Limits{}) }), frameLine, readLine)
}

func TestGoldenHeaderTCP(t *testing.T) {
	runGoldenStream(t, testTransportWith(func() rpc.Codec { return rpc.NewHeaderCodec(rpc.Limits{}) }), frameHeader, readHeaderFrame)
}

func readHeaderFrame(r *bufio.Reader) (string, error) {
	n := -1
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		if v, ok := strings.CutPrefix(l, "Content-Length: "); ok {
			if err := json.Unmarshal([]byte(v), &n); err != nil {
				return "", err
			}
		}
	}
	body := make([]byte, n)
	_, err := io.ReadFull(r, body)
	return string(bytes.TrimSpace(body)), err
}
