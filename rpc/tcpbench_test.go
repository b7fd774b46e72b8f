package rpc_test

import (
	"bufio"
	"bytes"
	"net"
	"testing"
)

// benchTCP measures decode + dispatch + encode of Arith.Add through the
// reactor TCP transport over loopback, depth calls per write (1: one call
// per round trip). allocs/op counts the whole process, client included;
// the client reuses its buffers, so they are the server's.
func benchTCP(b *testing.B, depth int) {
	s := newTestServer(b)
	ts := startTCP(b, s)
	conn, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	line := []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}` + "\n")
	want := []byte(`{"jsonrpc":"2.0","id":1,"result":3}` + "\n")
	req := bytes.Repeat(line, depth)
	r := bufio.NewReaderSize(conn, 64<<10)
	roundTrip := func() {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		for range depth {
			got, err := r.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				b.Fatalf("got %s", got)
			}
		}
	}
	roundTrip() // warm up the connection and the pools
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		roundTrip()
	}
}

// BenchmarkTCPArithAdd is one call per round trip.
func BenchmarkTCPArithAdd(b *testing.B) { benchTCP(b, 1) }

// BenchmarkTCPArithAddPipelined sends 64 calls per write, so the syscalls
// are shared and the RPC path itself shows.
func BenchmarkTCPArithAddPipelined(b *testing.B) { benchTCP(b, 64) }
