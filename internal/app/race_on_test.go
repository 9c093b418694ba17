//go:build race

package app

// raceEnabled scales down tests whose value is in volume, not in
// interleavings: the race detector makes the pure-Go SQLite ~15x slower.
const raceEnabled = true
