package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// ErrSubscriptionOverflow ends a client subscription whose channel was
// full when a notification arrived: the client never blocks its loop.
var ErrSubscriptionOverflow = errors.New("rpc: subscription channel full, notification dropped")

// WebSocketClient is a JSON-RPC 2.0 client over one WebSocket connection
// (websocket.Dial): calls and subscriptions share it. Safe for concurrent
// use.
type WebSocketClient struct {
	conn *websocket.Conn

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]*wsCall
	subs    map[string]*ClientSubscription
	err     error // set once the connection is gone
	done    chan struct{}
}

type wsCall struct {
	reply chan wsReply
	sub   *ClientSubscription // a subscribe call: registered when answered
}

type wsReply struct {
	result json.RawMessage
	err    error
}

// ClientSubscription is a subscription made with Subscribe.
type ClientSubscription struct {
	client      *WebSocketClient
	id          string
	unsubscribe string
	ch          chan<- json.RawMessage
	errc        chan error
	once        sync.Once
}

// ID returns the id the server gave the subscription.
func (s *ClientSubscription) ID() string { return s.id }

// Err receives one error when the subscription ends other than by
// Unsubscribe: the connection closed, or the channel overflowed. It is
// closed after Unsubscribe.
func (s *ClientSubscription) Err() <-chan error { return s.errc }

// Unsubscribe calls the unsubscribe method and ends the subscription:
// nothing more is sent on its channel.
func (s *ClientSubscription) Unsubscribe(ctx context.Context) error {
	s.client.mu.Lock()
	delete(s.client.subs, s.id)
	s.client.mu.Unlock()
	s.end(nil)
	var ok bool
	return s.client.Call(ctx, s.unsubscribe, []string{s.id}, &ok)
}

func (s *ClientSubscription) end(err error) {
	s.once.Do(func() {
		if err != nil {
			s.errc <- err
		}
		close(s.errc)
	})
}

// DialWebSocket connects to a JSON-RPC WebSocket endpoint (a ws:// URL).
// opts may be nil; its Handler is the client's own and is ignored.
func DialWebSocket(ctx context.Context, url string, opts *websocket.DialOptions) (*WebSocketClient, error) {
	o := websocket.DialOptions{}
	if opts != nil {
		o = *opts
	}
	c := &WebSocketClient{pending: map[uint64]*wsCall{}, subs: map[string]*ClientSubscription{}, done: make(chan struct{})}
	o.Handler = websocket.Handler{OnMessage: c.message, OnClose: c.closed}
	conn, err := websocket.Dial(ctx, url, &o)
	if err != nil {
		return nil, err
	}
	c.conn = conn
	return c, nil
}

// envelope is any message from the server: a response or a notification.
type envelope struct {
	ID     *uint64         `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
	Method string          `json:"method"`
	Params *struct {
		Subscription string          `json:"subscription"`
		Result       json.RawMessage `json:"result"`
	} `json:"params"`
}

// message runs on the connection's loop: responses complete their call,
// notifications go to their subscription's channel without blocking.
func (c *WebSocketClient) message(_ *websocket.Conn, _ websocket.MessageType, data []byte) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return // not a JSON object: no call to complete
	}
	if env.ID == nil {
		if env.Params == nil {
			return
		}
		c.mu.Lock()
		sub := c.subs[env.Params.Subscription]
		c.mu.Unlock()
		if sub == nil {
			return
		}
		select {
		case sub.ch <- append(json.RawMessage(nil), env.Params.Result...):
		default:
			c.mu.Lock()
			delete(c.subs, sub.id)
			c.mu.Unlock()
			sub.end(ErrSubscriptionOverflow)
		}
		return
	}
	c.mu.Lock()
	call := c.pending[*env.ID]
	delete(c.pending, *env.ID)
	c.mu.Unlock()
	if call == nil {
		return
	}
	r := wsReply{result: append(json.RawMessage(nil), env.Result...)}
	if env.Error != nil {
		r.err = env.Error
	} else if call.sub != nil {
		// Register before the next message is read: the server sends
		// the first notification after this reply.
		if err := json.Unmarshal(env.Result, &call.sub.id); err != nil {
			r.err = fmt.Errorf("rpc: subscription id: %w", err)
		} else {
			c.mu.Lock()
			c.subs[call.sub.id] = call.sub
			c.mu.Unlock()
		}
	}
	call.reply <- r
}

func (c *WebSocketClient) closed(_ *websocket.Conn, code int, reason string) {
	c.mu.Lock()
	c.err = fmt.Errorf("rpc: websocket closed: %d %s", code, reason)
	pending, subs := c.pending, c.subs
	c.pending, c.subs = nil, nil
	c.mu.Unlock()
	for _, call := range pending {
		call.reply <- wsReply{err: c.err}
	}
	for _, s := range subs {
		s.end(c.err)
	}
	close(c.done)
}

func (c *WebSocketClient) send(ctx context.Context, method string, params any, call *wsCall) (json.RawMessage, error) {
	m, err := json.Marshal(method)
	if err != nil {
		return nil, err
	}
	// nil params are left out, as the TCP client does: JSON-RPC 2.0 allows
	// params only as an array or an object, and the server refuses null.
	var p []byte
	if params != nil {
		if p, err = json.Marshal(params); err != nil {
			return nil, fmt.Errorf("rpc: encode params: %w", err)
		}
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = call
	c.mu.Unlock()
	req := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":%s`, id, m)
	if p != nil {
		req = append(append(req, `,"params":`...), p...)
	}
	req = append(req, '}')
	if err := c.conn.SendText(string(req)); err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case r := <-call.reply:
		return r.result, r.err
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

func (c *WebSocketClient) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Call calls method with params (encoded with encoding/json; nil leaves
// params out) and decodes the result into result (nil: ignored). A JSON-RPC
// error comes back as an *Error.
func (c *WebSocketClient) Call(ctx context.Context, method string, params, result any) error {
	raw, err := c.send(ctx, method, params, &wsCall{reply: make(chan wsReply, 1)})
	if err != nil || result == nil {
		return err
	}
	return json.Unmarshal(raw, result)
}

// Subscribe calls subscribeMethod with params and, once it answers with an
// id, sends each notification's result to ch until Unsubscribe (which
// calls unsubscribeMethod) or the connection's end. Notifications are
// delivered in order and never block the connection: if ch is full the
// subscription ends with ErrSubscriptionOverflow on Err, so give ch room.
func (c *WebSocketClient) Subscribe(ctx context.Context, subscribeMethod, unsubscribeMethod string, params any, ch chan<- json.RawMessage) (*ClientSubscription, error) {
	sub := &ClientSubscription{client: c, unsubscribe: unsubscribeMethod, ch: ch, errc: make(chan error, 1)}
	if _, err := c.send(ctx, subscribeMethod, params, &wsCall{reply: make(chan wsReply, 1), sub: sub}); err != nil {
		return nil, err
	}
	return sub, nil
}

// Close closes the connection (code 1000) and waits for the close
// handshake, or for ctx.
func (c *WebSocketClient) Close(ctx context.Context) error {
	if err := c.conn.Close(websocket.CloseNormal, ""); err != nil && err != websocket.ErrClosed {
		return err
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the connection has closed.
func (c *WebSocketClient) Done() <-chan struct{} { return c.done }
