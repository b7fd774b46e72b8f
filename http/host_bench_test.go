package http

import "testing"

func BenchmarkSplitHost(b *testing.B) {
	for _, h := range []string{"localhost:8080", "127.0.0.1:18091", "server", "www.example.com"} {
		in := []byte(h)
		b.Run(h, func(b *testing.B) {
			for b.Loop() {
				if _, _, ok := splitHost(in); !ok {
					b.Fatal(h)
				}
			}
		})
	}
}
