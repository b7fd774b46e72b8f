// Package websocket implements WebSocket (RFC 6455) with permessage-deflate
// (RFC 7692) on muduo-go's event loops: a server connection is upgraded
// from a native http handler and its frames are parsed in the connection's
// message callback, on its loop, with no goroutine per connection; a client
// (Dial) runs the same way on a tcp.Client.
//
//	opts := &websocket.Options{
//		Compression: true,
//		Handler: websocket.Handler{
//			OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
//				_ = c.Send(typ, data) // echo
//			},
//		},
//	}
//	router.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) {
//		_, _ = websocket.Upgrade(w, r, opts) // refusals are answered by Upgrade
//	})
//
// See Example for a server and a client in one program.
//
// # Threading
//
// The callbacks of a Handler run on the connection's loop, one at a time,
// and must not block it. The sending methods (Send, SendText, SendBinary,
// Ping, Close) are safe from any goroutine: frames are built under the
// connection's lock and leave in the order of the calls. Sending never
// blocks; a peer that does not read makes the output queue grow past
// Options.WriteHighWater, at which point the connection stops reading
// (its own peer is slowed by TCP flow control) until the queue drains.
// Producers on other goroutines bound what they queue themselves (the
// JSON-RPC subscriptions of package rpc do).
//
// # Protocol
//
// Received frames are checked strictly, and any violation fails the
// connection (a close frame with the code, then the TCP close):
// unmasked client frames or masked server frames, RSV bits without a
// negotiated extension, reserved opcodes, control frames over 125 bytes
// or fragmented, continuation frames without a message or data frames
// inside one, close frames with a 1-byte payload or an invalid code are
// 1002; text that is not UTF-8 (checked as it arrives, across fragments,
// so it fails at the first bad byte) and close reasons that are not are
// 1007; a frame or message over Options.MaxMessageSize (after
// decompression, so a decompression bomb stops there) is 1009. Pings are
// answered with pongs as they arrive, between the fragments of a message.
// The close handshake answers the peer's close with its code, and the
// server closes the TCP connection first (RFC 6455 7.1.1); each step is
// bounded by Options.CloseTimeout. The tests implement the Autobahn
// testsuite's sections 1-7, 9, 12 and 13.
//
// # Large messages
//
// OnMessage receives whole messages, assembled from their fragments and
// bounded by Options.MaxMessageSize. With Handler.OnMessagePart set, a
// message that grows past Options.StreamThreshold (64 KiB by default) is
// handed over in parts as its bytes arrive instead (an upload, a file
// relayed to disk or another peer): the connection never holds it whole,
// text is still validated as it arrives, and only the limit bounds its
// size. Compressed messages are always delivered whole.
//
// # Memory
//
// An idle connection holds its Conn struct and its tcp.Conn and nothing
// else (about 570 bytes of heap; 748 bytes of server RSS per connection
// measured with 19,500 idle connections, the median of 5 rounds of
// benchmarks/cmd/runner ws): after the upgrade nothing of the
// HTTP server's per-connection state stays (see http.ResponseWriter.
// HijackWith), the 101 response is freed once sent, a message is
// assembled in a pooled buffer only while its fragments arrive, a whole
// message in one frame is handed to OnMessage straight from the input
// buffer, and without Options.ContextTakeover no compression state
// outlives a message (compression uses klauspost/compress's stateless
// encoder; decompressors are pooled).
package websocket
