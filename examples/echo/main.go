// Command echo is muduo's echo server on muduo-go: every byte a client
// sends comes back, in order, on the same connection.
//
//	go run ./examples/echo -addr 127.0.0.1:2007 -loops 0
//
// -loops 0 (the default) serves everything from the accepting loop, the
// fastest setup on one core; -loops N spreads connections over N IO loops.
// SIGINT or SIGTERM shuts the server down gracefully (5 s at most).
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2007", "listen address")
	loops := flag.Int("loops", 0, "IO loops (0: the accepting loop does IO)")
	flag.Parse()

	srv := newServer(*loops)
	if err := srv.Start(*addr); err != nil {
		slog.Error("echo: start", "err", err)
		os.Exit(1)
	}
	slog.Info("echo: listening", "addr", srv.Addr().String(), "loops", *loops)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// newServer returns the echo server, not yet started.
func newServer(loops int) *tcp.Server {
	srv := tcp.NewServer(tcp.WithName("echo"), tcp.WithLoops(loops))
	srv.SetMessageCallback(func(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
		// Send copies or writes at once, so the input can be consumed
		// straight after: the steady state allocates nothing.
		_ = c.Send(in.Peek())
		in.RetrieveAll()
	})
	return srv
}
