// Command chat is muduo's chat example on muduo-go: a broadcast chat
// server and a line-based client, showing how a protocol is layered on the
// message callback with a length-header codec (LengthHeaderCodec).
//
//	go run ./examples/chat -mode server -addr 127.0.0.1:9981 [-loops N]
//	go run ./examples/chat -mode client -addr 127.0.0.1:9981
//
// The wire protocol: every message is a frame of a 4-byte big-endian
// length followed by that many bytes (0 to 64 KiB). A peer that sends a
// length below 0 or above 64 KiB is logged and disconnected; nobody else is
// affected.
//
// Server mode listens on -addr and sends every message it receives to
// every connected client, the sender included; each client gets each
// sender's messages in the order they were sent. -loops 0 (the default)
// does all IO on the accepting loop; -loops N spreads clients over N IO
// loops. SIGINT or SIGTERM shuts it down gracefully (5 s at most).
//
// Client mode connects to -addr (waiting up to 10 s for the server), sends
// every line read from standard input (without its line end) as a message
// and prints every message it receives to standard output, one per line.
// At EOF of standard input it disconnects gracefully - what it sent is
// delivered and what the server still sends is printed - and exits 0. It
// exits 1 if it can not connect, if a line is longer than 64 KiB, or if the
// server closes the connection. -loops is ignored in client mode.
//
// Both modes exit 1 on a bad -mode (or a negative -loops for the server),
// and 2 on a flag package can not parse.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "", "server or client")
	addr := flag.String("addr", "127.0.0.1:9981", "server: listen address; client: server address")
	loops := flag.Int("loops", 0, "server: IO loops (0: the accepting loop does IO)")
	flag.Parse()

	switch *mode {
	case "server":
		if *loops < 0 {
			fatal("-loops must be >= 0")
		}
		runServer(*addr, *loops)
	case "client":
		if err := runClient(*addr, os.Stdin, os.Stdout, slog.Default()); err != nil {
			fatal(err.Error())
		}
	default:
		flag.Usage()
		fatal("-mode must be server or client")
	}
}

func runServer(addr string, loops int) {
	srv, err := StartChatServer(addr, loops, slog.Default())
	if err != nil {
		fatal(err.Error())
	}
	slog.Info("chat: listening", "addr", srv.Addr().String(), "loops", loops)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// fatal reports msg, prefixed with the command's name unless it already
// is, and exits 1.
func fatal(msg string) {
	fmt.Fprintln(os.Stderr, "chat: "+strings.TrimPrefix(msg, "chat: "))
	os.Exit(1)
}
