//go:build race

package websocket

// raceEnabled trims the largest Autobahn section 9 cases: the race
// detector makes a 16 MiB echo take minutes.
const raceEnabled = true
