//go:build linux

package tcp

import (
	"encoding/json"
	"expvar"
	"net"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// TestPublishExpvar: the published variable sums the loops' counters and
// probes their functor-queue delay.
func TestPublishExpvar(t *testing.T) {
	s := NewServer(WithLoops(2), WithName("expvartest"))
	if err := s.PublishExpvar("muduo_tcp_test_early"); err == nil {
		t.Fatal("PublishExpvar before Start succeeded")
	}
	s.SetMessageCallback(func(c *Conn, in *buffer.Buffer, _ time.Time) {
		_ = c.Send(in.Peek())
		in.RetrieveAll()
	})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const name = "muduo_tcp_test"
	if err := s.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishExpvar(name); err == nil {
		t.Fatal("second PublishExpvar under one name succeeded")
	}
	var conns []net.Conn
	for range 3 {
		nc, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		conns = append(conns, nc)
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := nc.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 5)
		if _, err := nc.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	_ = conns[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	var v Vars
	for {
		if err := json.Unmarshal([]byte(expvar.Get(name).String()), &v); err != nil {
			t.Fatal(err)
		}
		if v.Closed == 1 && v.QueueDelayMax > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if v.Kind != ExpvarKind || v.Name != "expvartest" || v.Addr != s.Addr().String() || v.Open != 2 ||
		v.Accepted != 3 || v.Closed != 1 || v.BytesIn != 15 || v.BytesOut != 15 || len(v.Loops) != 2 || v.QueueDelayMax <= 0 {
		t.Fatalf("published %+v", v)
	}
}
