// Command pingpong is muduo's pingpong throughput test on muduo-go: one
// binary with an echo server mode and a client mode that keeps blocks of
// bytes bouncing between the two and reports the throughput.
//
//	go run ./examples/pingpong -mode server -addr 127.0.0.1:3000 [-loops N]
//	go run ./examples/pingpong -mode client -addr 127.0.0.1:3000 \
//	    -conns 100 -size 16384 -duration 10s [-loops N]
//
// Server mode listens on -addr and sends every byte a connection receives
// back on that connection, in order. -loops 0 (the default) does all IO on
// the accepting loop; -loops N spreads connections over N IO loops. SIGINT
// or SIGTERM shuts it down gracefully (5 s at most).
//
// Client mode opens -conns connections to -addr, one tcp.Client each, all
// sharing one pool of client loops: a base loop plus -loops IO loops
// (-loops 0 puts every connection on the base loop). Every connection sends
// one block of -size bytes when it comes up and from then on sends back
// whatever it receives, so each connection always has exactly one block in
// flight. It logs "connecting" and, once every connection is up,
// "connected"; a connect that fails is not retried, and the client exits as
// soon as every connection is up or failed, saying how many are up and why
// the others failed (pingpong: 0 of 100 connections up; 100 failed (100:
// dial tcp 127.0.0.1:3000: connect: connection refused)). The clock starts
// once every connection is up (the client gives up if that takes more than
// -connect-timeout, 10 s by default); after -duration the client closes every
// connection, stops its loops and prints one line with the bytes received,
// the throughput in MiB/s and the messages per second, where a message is
// -size bytes received (muduo's definition):
//
//	pingpong: conns=100 size=16384 time=10.00s bytes=1234567890 MiB/s=117.7 msgs/s=7533.0
//
// It exits 1 on a bad -mode, -loops, -conns, -size or -duration, if a
// connect fails or the connections are not all up within -connect-timeout,
// if one goes down during the run, or if no byte came back (and 2 on a
// flag package can not parse).
// -conns, -size, -duration and -connect-timeout are ignored in server mode.
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
	addr := flag.String("addr", "127.0.0.1:3000", "server: listen address; client: server address")
	loops := flag.Int("loops", 0, "IO loops besides the base loop (0: the base loop does all IO)")
	conns := flag.Int("conns", 100, "client: number of connections")
	size := flag.Int("size", 16384, "client: bytes per block (one message)")
	duration := flag.Duration("duration", 10*time.Second, "client: how long to measure")
	connectTimeout := flag.Duration("connect-timeout", 10*time.Second, "client: how long to wait for every connection to come up")
	flag.Parse()

	if *loops < 0 {
		fatal("-loops must be >= 0")
	}
	switch *mode {
	case "server":
		runServer(*addr, *loops)
	case "client":
		cfg := ClientConfig{Addr: *addr, Conns: *conns, Size: *size, Loops: *loops, ConnectTimeout: *connectTimeout}
		res, err := RunClient(cfg, *duration)
		if err != nil {
			fatal(err.Error())
		}
		fmt.Println(res)
		if res.Bytes == 0 {
			fatal("no traffic")
		}
	default:
		flag.Usage()
		fatal("-mode must be server or client")
	}
}

func runServer(addr string, loops int) {
	srv, err := StartServer(addr, loops, slog.Default())
	if err != nil {
		fatal(err.Error())
	}
	slog.Info("pingpong: listening", "addr", srv.Addr().String(), "loops", loops)
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
	fmt.Fprintln(os.Stderr, "pingpong: "+strings.TrimPrefix(msg, "pingpong: "))
	os.Exit(1)
}
