package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// ErrNotConnected is returned by ChatClient.Send when the client has no
// connection (not yet up, or gone).
var ErrNotConnected = errors.New("chat: not connected")

// ChatClient is muduo's chat client: one connection to a chat server,
// made by a tcp.Client on a loop of its own, speaking LengthHeaderCodec.
type ChatClient struct {
	client *tcp.Client
	codec  *LengthHeaderCodec

	up, down         chan struct{} // closed when the connection comes up / goes down
	upOnce, downOnce sync.Once
}

// NewChatClient prepares a client for the server at addr; onMessage is
// called, on the client's loop, with every message received. Nothing
// happens until Connect.
func NewChatClient(addr string, onMessage func(msg string), logger *slog.Logger) (*ChatClient, error) {
	if logger == nil {
		logger = slog.Default()
	}
	// Retry: Connect waits for a server that is not there yet.
	client, err := tcp.NewClient(addr, tcp.WithName("chat-client"), tcp.WithLogger(logger), tcp.WithRetry(true))
	if err != nil {
		return nil, err
	}
	cc := &ChatClient{client: client, up: make(chan struct{}), down: make(chan struct{})}
	cc.codec = NewLengthHeaderCodec(func(_ *tcp.Conn, msg string, _ time.Time) { onMessage(msg) }, logger)
	client.SetConnectionCallback(func(c *tcp.Conn) {
		if c.Connected() {
			cc.upOnce.Do(func() { close(cc.up) })
		} else {
			client.Disconnect() // the chat is over: no reconnect
			cc.downOnce.Do(func() { close(cc.down) })
		}
	})
	client.SetMessageCallback(cc.codec.OnMessage)
	return cc, nil
}

// Connect connects, retrying while the server is not there, and waits up
// to timeout for the connection. On failure the client is stopped.
func (cc *ChatClient) Connect(timeout time.Duration) error {
	cc.client.Connect()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-cc.up:
		return nil
	case <-t.C:
		cc.client.Stop()
		return fmt.Errorf("chat: no connection after %v", timeout)
	}
}

// Send sends msg as one message. Safe from any goroutine; messages sent
// from one goroutine arrive in order.
func (cc *ChatClient) Send(msg string) error {
	c := cc.client.Connection()
	if c == nil {
		return ErrNotConnected
	}
	return cc.codec.Send(c, msg)
}

// Done is closed when the connection has gone down, whoever closed it.
// Every message received before has been handed to onMessage by then.
func (cc *ChatClient) Done() <-chan struct{} { return cc.down }

// Close disconnects gracefully: what was sent goes out, then the client
// half-closes and waits up to timeout for the server to close its side
// (delivering whatever the server still sends); then it stops the client
// and its loop.
func (cc *ChatClient) Close(timeout time.Duration) {
	cc.client.Disconnect()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-cc.down:
	case <-t.C:
	}
	cc.client.Stop()
}

// Wait bounds for the command's client (variables for the tests).
var (
	connectTimeout    = 10 * time.Second
	disconnectTimeout = 5 * time.Second
)

// runClient is the client mode: it connects to addr, sends every line of
// in (without its "\n") as a message and writes every message received to
// out, one per line. At EOF of in it disconnects gracefully and returns
// nil; it returns an error if it can not connect, if a line is longer than
// MaxMessageLen, or if the server closes the connection first.
func runClient(addr string, in io.Reader, out io.Writer, logger *slog.Logger) error {
	cc, err := NewChatClient(addr, func(msg string) { fmt.Fprintln(out, msg) }, logger)
	if err != nil {
		return err
	}
	if err := cc.Connect(connectTimeout); err != nil {
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), MaxMessageLen+2) // the body, "\r\n"
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-quit:
				return
			}
		}
		readErr <- sc.Err() // nil at EOF
	}()
	for {
		select {
		case line := <-lines:
			if err := cc.Send(line); err != nil {
				if errors.Is(err, tcp.ErrClosed) || errors.Is(err, ErrNotConnected) {
					continue // the connection is going down: Done says so next
				}
				cc.Close(disconnectTimeout)
				return err
			}
		case err := <-readErr:
			cc.Close(disconnectTimeout)
			return err
		case <-cc.Done():
			cc.client.Stop()
			return errors.New("chat: connection closed by the server")
		}
	}
}
