//go:build race

package rpc_test

// statsRace: the race detector makes sync.Pool drop items, so pooled
// buffers allocate and allocation counts mean nothing.
const statsRace = true
