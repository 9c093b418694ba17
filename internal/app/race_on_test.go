//go:build race

package app

import "time"

// raceEnabled scales down tests whose value is in volume, not in
// interleavings: the race detector makes the pure-Go SQLite ~15x slower.
const raceEnabled = true

// messageWait is how long a test waits for a message it expects: the race
// detector (with PostgreSQL, and the platforms' pacing of a second per
// chat) makes correct deliveries take longer than without it.
const messageWait = 40 * time.Second
