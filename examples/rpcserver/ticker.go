package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// tickerParams are Ticker.subscribe's params.
type tickerParams struct {
	IntervalMS int `json:"interval_ms"`
	Count      int `json:"count"`
}

// registerTicker adds the Ticker subscription: Ticker.subscribe
// {"interval_ms":N,"count":M} returns a subscription id, then pushes M
// notifications Ticker.subscription with results 1..M, one every N ms,
// and nothing more; Ticker.unsubscribe [id] stops it early.
func registerTicker(srv *rpc.Server) error {
	return srv.RegisterSubscription("Ticker.subscribe", "Ticker.unsubscribe", "Ticker.subscription",
		func(_ context.Context, sub *rpc.Subscription, params []byte) error {
			var p tickerParams
			if err := json.Unmarshal(params, &p); err != nil || p.IntervalMS < 0 || p.Count < 0 || p.Count > 1_000_000 {
				return &rpc.Error{Code: rpc.CodeInvalidParams, Message: `params must be {"interval_ms":N,"count":M}, N >= 0, 0 <= M <= 1000000`}
			}
			go tick(sub, time.Duration(p.IntervalMS)*time.Millisecond, p.Count)
			return nil
		})
}

func tick(sub *rpc.Subscription, every time.Duration, count int) {
	t := time.NewTicker(max(every, time.Microsecond))
	defer t.Stop()
	for i := 1; i <= count; i++ {
		select {
		case <-t.C:
		case <-sub.Done():
			return
		}
		if sub.Notify(i) != nil {
			return
		}
	}
}
