package rpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"

	jsoniter "github.com/json-iterator/go"
	mhttp "github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// DefaultMaxQueuedNotifications bounds the notifications waiting for a
// slow WebSocket client, unless WebSocketOptions says otherwise.
const DefaultMaxQueuedNotifications = 10000

// notifyHigh is the output a connection may have queued in the kernel's
// stead before notifications wait in the notifier's queue (which is the
// one bounded): replies and notifications already handed to the
// connection are at most this much.
const notifyHigh = 256 << 10

// WebSocketOptions configure Server.WebSocketHandler.
type WebSocketOptions struct {
	// Options are the connections' (origin policy, compression, limits,
	// keep-alive); its Handler is the transport's own and is ignored.
	websocket.Options
	// MaxQueuedNotifications bounds the notifications waiting for one
	// slow client; past it the connection is closed with 1008 (policy
	// violation) and counted in Stats.WebSocket.SlowClosed. 0 means
	// DefaultMaxQueuedNotifications.
	MaxQueuedNotifications int
}

// WebSocketStats count the WebSocket transport's activity.
type WebSocketStats struct {
	Connections   int64  `json:"connections"`   // open now
	Subscriptions int64  `json:"subscriptions"` // active now
	Notifications uint64 `json:"notifications"` // sent since start
	SlowClosed    uint64 `json:"slow_closed"`   // connections closed for a full notification queue
}

type wsCounters struct {
	conns, subs          atomic.Int64
	notifications, slows atomic.Uint64
}

func (w *wsCounters) snapshot() WebSocketStats {
	return WebSocketStats{w.conns.Load(), w.subs.Load(), w.notifications.Load(), w.slows.Load()}
}

// WebSocketHandler returns the WebSocket transport as a handler for
// muduo-go's HTTP server (GET with an Upgrade; anything else is refused as
// websocket.Upgrade refuses it). Each text message is one JSON text, a
// request or a batch, dispatched as over the other transports; the reply
// goes back as one text message on the same connection (nothing for
// notifications only). Binary messages close the connection with 1003.
// Subscriptions (RegisterSubscription) push notifications on the
// connection and end with it. opts may be nil.
func (s *Server) WebSocketHandler(opts *WebSocketOptions) mhttp.Handler {
	o := WebSocketOptions{}
	if opts != nil {
		o = *opts
	}
	if o.MaxQueuedNotifications <= 0 {
		o.MaxQueuedNotifications = DefaultMaxQueuedNotifications
	}
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = s.limits.MaxMessageSize
	}
	h := &wsHandler{s: s, maxQueued: o.MaxQueuedNotifications}
	o.Handler = websocket.Handler{OnOpen: h.open, OnMessage: h.message, OnClose: h.closed}
	h.opts = o.Options
	return h
}

type wsHandler struct {
	s         *Server
	opts      websocket.Options
	maxQueued int
}

func (h *wsHandler) ServeHTTP(w *mhttp.ResponseWriter, r *mhttp.Request) {
	_, _ = websocket.Upgrade(w, r, &h.opts)
}

// wsConn is a WebSocket connection's state: its session and notifier.
type wsConn struct {
	h      *wsHandler
	c      *websocket.Conn
	sess   *Session
	cancel context.CancelFunc
	n      *notifier
}

type notifierKey struct{}

func (h *wsHandler) open(c *websocket.Conn) {
	ctx, cancel := context.WithCancel(context.Background())
	wc := &wsConn{h: h, c: c, cancel: cancel}
	wc.n = &notifier{conn: wc, subs: map[string]*Subscription{}}
	wc.sess = h.s.NewSession(context.WithValue(ctx, notifierKey{}, wc.n))
	c.SetData(wc)
	h.s.ws.conns.Add(1)
}

func (h *wsHandler) message(c *websocket.Conn, typ websocket.MessageType, data []byte) {
	if typ != websocket.TextMessage {
		_ = c.Close(websocket.CloseUnsupportedData, "JSON-RPC messages are text")
		return
	}
	wc := c.Data().(*wsConn)
	wc.sess.Dispatch(data, func(rep Reply) {
		if !rep.Empty() {
			_ = c.Send(websocket.TextMessage, rep.Bytes())
		}
		rep.Release()
	})
}

func (h *wsHandler) closed(c *websocket.Conn, _ int, _ string) {
	wc, ok := c.Data().(*wsConn)
	if !ok {
		return
	}
	h.s.ws.conns.Add(-1) // counted before the subscriptions' Done says so
	wc.cancel()
	wc.n.closeAll()
}

// notifier is a connection's subscriptions and its queue of notifications
// not yet handed to the connection.
type notifier struct {
	conn *wsConn

	mu        sync.Mutex
	subs      map[string]*Subscription
	queue     [][]byte
	scheduled bool // a flush is queued or waits for the output to drain
	dead      bool
}

// Subscription is one subscription of a WebSocket client, created by the
// subscribe method of RegisterSubscription. Notify may be called from any
// goroutine; notifications are delivered in the order of the calls, after
// the subscribe call's reply.
type Subscription struct {
	id           string
	notification string
	n            *notifier
	done         chan struct{}
	once         sync.Once
}

// ID returns the subscription's id, as returned to the client.
func (sub *Subscription) ID() string { return sub.id }

// Done is closed when the subscription ends: the client unsubscribed or
// the connection closed. A producer stops there.
func (sub *Subscription) Done() <-chan struct{} { return sub.done }

// ErrSubscriptionClosed is returned by Notify after the subscription ended.
var ErrSubscriptionClosed = errors.New("rpc: subscription closed")

// ErrSlowConsumer is returned by Notify when the connection's queue of
// notifications was full: the connection is being closed with 1008.
var ErrSlowConsumer = errors.New("rpc: notification queue full, slow client disconnected")

// Notify sends {"jsonrpc":"2.0","method":<notification>,"params":
// {"subscription":<id>,"result":<result>}} to the client. The result is
// encoded now, so it may change after Notify returns. Safe from any
// goroutine.
func (sub *Subscription) Notify(result any) error {
	select {
	case <-sub.done:
		return ErrSubscriptionClosed
	default:
	}
	res, err := jsoniter.ConfigCompatibleWithStandardLibrary.Marshal(result)
	if err != nil {
		return err
	}
	msg := make([]byte, 0, 80+len(sub.notification)+len(sub.id)+len(res))
	msg = append(msg, `{"jsonrpc":"2.0","method":`...)
	msg = appendJSONString(msg, sub.notification)
	msg = append(msg, `,"params":{"subscription":`...)
	msg = appendJSONString(msg, sub.id)
	msg = append(msg, `,"result":`...)
	msg = append(msg, res...)
	msg = append(msg, "}}"...)
	return sub.n.enqueue(msg)
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := jsoniter.ConfigCompatibleWithStandardLibrary.Marshal(s)
	return append(dst, b...)
}

func (n *notifier) enqueue(msg []byte) error {
	n.mu.Lock()
	if n.dead {
		n.mu.Unlock()
		return ErrSubscriptionClosed
	}
	if len(n.queue) >= n.conn.h.maxQueued {
		n.dead = true
		n.queue = nil
		n.mu.Unlock()
		n.conn.h.s.ws.slows.Add(1)
		_ = n.conn.c.Close(websocket.ClosePolicyViolation, "notification queue full")
		return ErrSlowConsumer
	}
	n.queue = append(n.queue, msg)
	schedule := !n.scheduled
	n.scheduled = true
	n.mu.Unlock()
	if schedule {
		n.conn.c.QueueInLoop(n.flush)
	}
	return nil
}

// flush hands queued notifications to the connection while its output is
// short, and waits for it to drain otherwise. Loop only.
func (n *notifier) flush() {
	c := n.conn.c
	for c.OutputBytes() < notifyHigh {
		n.mu.Lock()
		if len(n.queue) == 0 || n.dead {
			n.queue = nil
			n.scheduled = false
			n.mu.Unlock()
			return
		}
		msg := n.queue[0]
		n.queue[0] = nil
		n.queue = n.queue[1:]
		n.mu.Unlock()
		if c.Send(websocket.TextMessage, msg) != nil {
			return
		}
		n.conn.h.s.ws.notifications.Add(1)
	}
	c.OnDrained(n.flush)
}

// closeAll ends every subscription of a closed connection.
func (n *notifier) closeAll() {
	n.mu.Lock()
	n.dead = true
	n.queue = nil
	subs := n.subs
	n.subs = nil
	n.mu.Unlock()
	for _, sub := range subs {
		sub.end()
	}
}

func (sub *Subscription) end() {
	sub.once.Do(func() {
		sub.n.conn.h.s.ws.subs.Add(-1) // counted before Done says so
		close(sub.done)
	})
}

// SubscribeFunc starts a subscription: it validates params (the
// subscribe call's raw params, nil when absent) and starts whatever will
// call sub.Notify, typically a goroutine that stops at sub.Done(). It runs
// on the connection's loop and must not block. An error fails the
// subscribe call and no subscription is made.
type SubscribeFunc func(ctx context.Context, sub *Subscription, params []byte) error

// RegisterSubscription registers a subscription in the style of
// go-ethereum's: the method subscribe returns a new subscription id,
// after which notifications {"jsonrpc":"2.0","method":notification,
// "params":{"subscription":id,"result":...}} arrive on the same
// WebSocket connection; the method unsubscribe takes [id] and returns
// true (false for an unknown id). For example "Ticker.subscribe",
// "Ticker.unsubscribe", "Ticker.subscription", or go-ethereum's
// "eth_subscribe", "eth_unsubscribe", "eth_subscription". Over a
// transport without server push (TCP, HTTP) subscribe answers
// CodeMethodNotFound with "notifications not supported".
func (s *Server) RegisterSubscription(subscribe, unsubscribe, notification string, fn SubscribeFunc) error {
	err := HandleRaw(s, subscribe, func(ctx context.Context, params []byte) (any, error) {
		n, ok := ctx.Value(notifierKey{}).(*notifier)
		if !ok {
			return nil, &Error{Code: CodeMethodNotFound, Message: "notifications not supported"}
		}
		sub := &Subscription{id: newSubscriptionID(), notification: notification, n: n, done: make(chan struct{})}
		n.mu.Lock()
		if n.dead {
			n.mu.Unlock()
			return nil, ErrSubscriptionClosed
		}
		n.subs[sub.id] = sub
		n.mu.Unlock()
		s.ws.subs.Add(1)
		if err := fn(ctx, sub, params); err != nil {
			n.remove(sub.id)
			return nil, err
		}
		return sub.id, nil
	}, Inline())
	if err != nil {
		return err
	}
	return HandleRaw(s, unsubscribe, func(ctx context.Context, params []byte) (any, error) {
		n, ok := ctx.Value(notifierKey{}).(*notifier)
		if !ok {
			return nil, &Error{Code: CodeMethodNotFound, Message: "notifications not supported"}
		}
		var ids []string
		if err := jsoniter.Unmarshal(params, &ids); err != nil || len(ids) != 1 {
			return nil, &Error{Code: CodeInvalidParams, Message: "unsubscribe takes [subscription id]"}
		}
		return n.remove(ids[0]), nil
	}, Inline())
}

func (n *notifier) remove(id string) bool {
	n.mu.Lock()
	sub, ok := n.subs[id]
	delete(n.subs, id)
	n.mu.Unlock()
	if ok {
		sub.end()
	}
	return ok
}

// newSubscriptionID returns a random 128-bit id as go-ethereum's: "0x"
// and 32 hex digits.
func newSubscriptionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "0x" + hex.EncodeToString(b[:])
}
