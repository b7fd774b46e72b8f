package rpc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	stdhttp "net/http"

	jsoniter "github.com/json-iterator/go"
)

// HTTPClient calls a JSON-RPC server over the HTTP transport (POST of the
// JSON text). It uses the standard library's HTTP client, which pools
// keep-alive connections. Safe from any goroutine.
type HTTPClient struct {
	url  string
	hc   *stdhttp.Client
	json jsoniter.API // params and results
	env  jsoniter.API // reply envelopes (envelopeJSON)
	enc  Client       // borrows the request encoder
}

// NewHTTPClient returns a client posting to url (e.g.
// "http://127.0.0.1:9091/rpc"); hc nil means http.DefaultClient.
func NewHTTPClient(url string, hc *stdhttp.Client) *HTTPClient {
	if hc == nil {
		hc = stdhttp.DefaultClient
	}
	j := jsoniter.Config{EscapeHTML: false, UseNumber: true}.Froze()
	return &HTTPClient{url: url, hc: hc, json: j, env: envelopeJSON(), enc: Client{json: j}}
}

// Call posts one request and decodes its result into reply; a server error
// is returned as an *Error.
func (h *HTTPClient) Call(ctx context.Context, method string, params, reply any) error {
	call := &Call{Method: method, Params: params, Reply: reply}
	msg, err := h.enc.encode(nil, call, false)
	if err != nil {
		return err
	}
	msg = h.enc.patchID(msg, 1)
	body, err := h.post(ctx, msg)
	if err != nil {
		return err
	}
	var r clientResponse
	if err := h.env.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("rpc: decode reply: %w", err)
	}
	// The reply must be to this call (id 1), or an error the server could
	// not tie to any id (null).
	if id := string(r.ID); id != "1" && (id != "null" && id != "" || r.Error == nil) {
		return fmt.Errorf("%w: reply to id %s, not to this call", ErrInvalidResponse, id)
	}
	return r.decodeInto(h.json, call)
}

// Notify posts a notification; the server answers 204.
func (h *HTTPClient) Notify(ctx context.Context, method string, params any) error {
	msg, err := h.enc.encode(nil, &Call{Method: method, Params: params}, true)
	if err != nil {
		return err
	}
	_, err = h.post(ctx, msg)
	return err
}

func (h *HTTPClient) post(ctx context.Context, msg []byte) ([]byte, error) {
	req, err := stdhttp.NewRequestWithContext(ctx, stdhttp.MethodPost, h.url, bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ContentType)
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rpc: post: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxMessageSize+1))
	if err != nil {
		return nil, fmt.Errorf("rpc: read reply: %w", err)
	}
	switch resp.StatusCode {
	case stdhttp.StatusOK:
		return body, nil
	case stdhttp.StatusNoContent, stdhttp.StatusAccepted:
		return nil, nil // a notification's answer (202 from some servers)
	}
	// A refusal (413, say) may still carry a JSON-RPC error object: it
	// says more than the status line.
	var r clientResponse
	if h.env.Unmarshal(body, &r) == nil && r.Error != nil {
		return nil, r.decodeInto(h.json, &Call{})
	}
	return nil, fmt.Errorf("rpc: HTTP %s", resp.Status)
}
