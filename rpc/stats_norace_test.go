//go:build !race

package rpc_test

const statsRace = false
