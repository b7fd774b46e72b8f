package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"sync"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// testTransport is a minimal goroutine-per-connection transport built on
// the standard library, used to run the codecs over real loopback TCP. The
// reactor transport replaces it outside of tests.
type testTransport struct {
	srv      *rpc.Server
	newCodec func() rpc.Codec
	ln       net.Listener
	wg       sync.WaitGroup
}

func startTransport(t testing.TB, srv *rpc.Server, newCodec func() rpc.Codec) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &testTransport{srv: srv, newCodec: newCodec, ln: ln}
	tr.wg.Add(1)
	go tr.accept()
	t.Cleanup(func() {
		ln.Close()
		tr.wg.Wait()
	})
	return ln.Addr().String()
}

func (tr *testTransport) accept() {
	defer tr.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		conn, err := tr.ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			tr.serve(conn)
		}()
	}
}

func (tr *testTransport) serve(conn net.Conn) {
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess := tr.srv.NewSession(ctx)
	codec := tr.newCodec()
	var (
		wmu     sync.Mutex
		pending sync.WaitGroup
	)
	write := func(b []byte) {
		wmu.Lock()
		defer wmu.Unlock()
		conn.Write(codec.AppendFrame(nil, b)) //nolint:errcheck // peer gone: nothing to do
	}
	var buf []byte
	tmp := make([]byte, 32<<10)
	for {
		n, rerr := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for {
			text, consumed, err := codec.Scan(buf)
			if err != nil {
				pending.Wait()
				write(tr.srv.AppendScanError(nil, err))
				return
			}
			if text != nil {
				pending.Add(1)
				sess.Dispatch(text, func(r rpc.Reply) {
					if !r.Empty() {
						write(r.Bytes())
					}
					r.Release()
					pending.Done()
				})
			}
			buf = append(buf[:0], buf[consumed:]...)
			if text == nil {
				break
			}
		}
		if rerr != nil { // EOF or error: finish what was dispatched, then close
			pending.Wait()
			return
		}
	}
}

// newTestServer returns a Server with the demo services and the spec
// examples registered; it is closed when the test ends.
func newTestServer(t testing.TB, opts ...rpc.Option) *rpc.Server {
	t.Helper()
	opts = append([]rpc.Option{rpc.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	s := rpc.NewServer(opts...)
	t.Cleanup(s.Close)
	if err := demo.Register(s); err != nil {
		t.Fatal(err)
	}
	registerSpec(t, s)
	return s
}

// SubArgs are the operands of the specification's "subtract" example.
type SubArgs struct {
	Minuend    int `json:"minuend"`
	Subtrahend int `json:"subtrahend"`
}

type Wide struct {
	I int64   `json:"i"`
	U uint64  `json:"u"`
	F float64 `json:"f"`
}

// registerSpec registers the methods used by section 7 of the JSON-RPC 2.0
// specification plus a few test helpers; some are inline, some blocking.
func registerSpec(t testing.TB, s *rpc.Server) {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RegisterMethod("subtract", func(a SubArgs, r *int) error {
		*r = a.Minuend - a.Subtrahend
		return nil
	}, rpc.Inline()))
	sum := func(a []int, r *int) error {
		for _, v := range a {
			*r += v
		}
		return nil
	}
	must(s.RegisterMethod("sum", sum))
	must(s.RegisterMethod("notify_sum", sum))
	must(s.RegisterMethod("notify_hello", func(int, *int) error { return nil }, rpc.Inline()))
	must(s.RegisterMethod("update", func([]int, *struct{}) error { return nil }))
	must(s.RegisterMethod("get_data", func(_ struct{}, r *[]any) error {
		*r = []any{"hello", 5}
		return nil
	}))
	must(s.RegisterMethod("Test.Panic", func(struct{}, *int) error { panic("boom") }, rpc.Inline()))
	must(s.RegisterMethod("Test.PanicBlocking", func(struct{}, *int) error { panic("boom") }))
	must(s.RegisterMethod("Test.Wide", func(w Wide, r *Wide) error { *r = w; return nil }, rpc.Inline()))
	must(s.RegisterMethod("Test.Any", func(a any, r *any) error { *r = a; return nil }))
	must(s.RegisterMethod("Test.Coded", func(struct{}, *int) error {
		return &rpc.Error{Code: 42, Message: "coded", Data: map[string]int{"x": 1}}
	}, rpc.Inline()))
	must(rpc.Handle(s, "Typed.Sub", func(_ context.Context, a *SubArgs, r *int) error {
		*r = a.Minuend - a.Subtrahend
		return nil
	}))
	must(s.RegisterMethod("Test.NaN", func(_ struct{}, r *float64) error {
		*r = math.NaN()
		return nil
	}, rpc.Inline()))
	must(s.RegisterMethod("Test.Ctx", func(ctx context.Context, _ struct{}, r *bool) error {
		*r = ctx != nil
		return nil
	}))
}
