//go:build linux && !muduo_portable

package tcp

// sendfileBackend: transfers from files go by sendfile(2) (and count in
// LoopStats.BytesSendFile); the epoll backend runs no goroutine per
// connection.
const sendfileBackend = true
