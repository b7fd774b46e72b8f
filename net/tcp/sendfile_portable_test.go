//go:build linux && muduo_portable

package tcp

// sendfileBackend: the portable backend copies file bytes (its writer
// goroutines own the sockets) and runs goroutines per connection.
const sendfileBackend = false
