// Command rpcload drives a newline-delimited JSON-RPC server over TCP: each
// connection keeps K calls in flight, matches responses to requests by id and
// checks every result is a+b. The request text is a template so one tool
// drives JSON-RPC 1.0 (net/rpc/jsonrpc: params as a one-element array) and 2.0
// servers alike; {{ID}}, {{A}} and {{B}} are substituted per call.
//
// Output: BEGIN, END, then
// RESULT calls=N secs=S calls_per_s=X errors=E
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/benchmarks/internal/window"
)

// Default2 is the JSON-RPC 2.0 request (sourcegraph, muduo-go).
const Default2 = `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":{{A}},"b":{{B}}},"id":{{ID}}}`

var (
	calls, errs atomic.Int64
	stop        atomic.Bool
	inflightN   atomic.Int64 // sent, not yet answered: a pause waits for 0
	gate        window.Gate
)

// tmpl is the request template pre-split on its placeholders so that building
// a request is a few appends.
type tmpl struct {
	parts []string // literal text between placeholders
	holes []string // "ID", "A" or "B"
}

func parseTmpl(s string) tmpl {
	var t tmpl
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			log.Fatalf("unterminated placeholder in %q", s)
		}
		t.parts = append(t.parts, s[:i])
		t.holes = append(t.holes, s[i+2:i+j])
		s = s[i+j+2:]
	}
	t.parts = append(t.parts, s)
	return t
}

func (t tmpl) append(dst []byte, id, a, b int64) []byte {
	for k, h := range t.holes {
		dst = append(dst, t.parts[k]...)
		switch h {
		case "ID":
			dst = strconv.AppendInt(dst, id, 10)
		case "A":
			dst = strconv.AppendInt(dst, a, 10)
		case "B":
			dst = strconv.AppendInt(dst, b, 10)
		}
	}
	dst = append(dst, t.parts[len(t.parts)-1]...)
	return append(dst, '\n')
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "server address")
	conns := flag.Int("conns", 50, "connections")
	depth := flag.Int("inflight", 16, "calls in flight per connection")
	req := flag.String("req", Default2, "request template ({{ID}}, {{A}}, {{B}})")
	dur := flag.Duration("duration", 10*time.Second, "measured window")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "load before the window opens")
	ctl := flag.Bool("ctl", false, "counting mode: pause around the window and wait for stdin (see internal/window)")
	flag.Parse()
	t := parseTmpl(*req)

	cs := make([]net.Conn, 0, *conns)
	for i := 0; i < *conns; i++ {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("dial %d: %v", i, err)
		}
		cs = append(cs, c)
	}
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); run(c, i, *depth, t) }()
	}
	wc := window.Config{Warmup: *warmup, Duration: *dur, Ctl: *ctl, Gate: &gate,
		Drained: func() bool { return inflightN.Load() == 0 },
		Count:   func() (int64, int64) { return calls.Load(), 0 }}
	n, _, el := window.Run(wc)
	stop.Store(true)
	window.Release(wc)
	for _, c := range cs {
		_ = c.SetDeadline(time.Now().Add(time.Second))
	}
	wg.Wait()
	if n == 0 {
		errs.Add(1) // a server that stopped answering must not pass as slow
		log.Printf("no call completed in the window")
	}
	fmt.Printf("RESULT calls=%d secs=%.3f calls_per_s=%.0f errors=%d\n", n, el.Seconds(), float64(n)/el.Seconds(), errs.Load())
	if errs.Load() > 0 {
		os.Exit(1)
	}
}

// run keeps depth calls outstanding on one connection. The writer batches
// every call it is allowed to send into one write; the reader checks each
// response against the expected sum recorded under its id.
func run(c net.Conn, conn, depth int, t tmpl) {
	defer c.Close()
	tokens := make(chan struct{}, depth)
	for i := 0; i < depth; i++ {
		tokens <- struct{}{}
	}
	var mu sync.Mutex
	want := make(map[int64]int64, depth)
	done := make(chan struct{})
	go func() {
		defer close(done)
		read(c, conn, &mu, want, tokens)
	}()
	var buf []byte
	for id := int64(1); !stop.Load(); {
		select {
		case <-tokens:
		case <-done:
			return
		}
		gate.Enter()
		buf = buf[:0]
		k := int64(0)
		for more := true; more; k++ {
			a, b := id%1000, int64(conn)
			mu.Lock()
			want[id] = a + b
			mu.Unlock()
			buf = t.append(buf, id, a, b)
			id++
			select {
			case <-tokens:
			default:
				more = false
			}
		}
		inflightN.Add(k)
		_, err := c.Write(buf)
		gate.Leave()
		if err != nil {
			failed(conn, err)
			return
		}
	}
	<-done
}

func read(c net.Conn, conn int, mu *sync.Mutex, want map[int64]int64, tokens chan struct{}) {
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		id, idOK := field(line, `"id":`)
		res, resOK := field(line, `"result":`)
		mu.Lock()
		exp, known := want[id]
		delete(want, id)
		mu.Unlock()
		switch {
		case !idOK || !known:
			errs.Add(1)
			log.Printf("conn %d: response with unknown id: %s", conn, line)
			return
		case !resOK || res != exp || hasError(line):
			errs.Add(1)
			log.Printf("conn %d: want result %d, got: %s", conn, exp, line)
			return
		}
		calls.Add(1)
		inflightN.Add(-1)
		tokens <- struct{}{}
	}
	if err := sc.Err(); err != nil {
		failed(conn, err)
	} else if !stop.Load() {
		failed(conn, fmt.Errorf("server closed the connection"))
	}
}

// field reads the integer after key; the load generator avoids a full JSON
// decode so that it is not the bottleneck on its single core.
func field(line []byte, key string) (int64, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return 0, false
	}
	s := bytes.TrimLeft(line[i+len(key):], " ")
	j := 0
	for j < len(s) && (s[j] == '-' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	v, err := strconv.ParseInt(string(s[:j]), 10, 64)
	return v, err == nil
}

// hasError is true unless the response has no "error" member or a null one.
func hasError(line []byte) bool {
	i := bytes.Index(line, []byte(`"error":`))
	if i < 0 {
		return false
	}
	return !bytes.HasPrefix(bytes.TrimLeft(line[i+8:], " "), []byte("null"))
}

func failed(conn int, err error) {
	if stop.Load() {
		return
	}
	errs.Add(1)
	log.Printf("conn %d: %v", conn, err)
}
