//go:build !race

package app

import "time"

const raceEnabled = false

// messageWait is how long a test waits for a message it expects.
const messageWait = 10 * time.Second
