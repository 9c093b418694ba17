package handoff

import (
	"testing"
	"time"
)

// sh is the zone most examples are in.
const sh = "Asia/Shanghai"

// at reads a wall-clock "2006-01-02 15:04" in zone.
func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	v, perr := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil || perr != nil {
		t.Fatalf("%s in %s: %v %v", s, zone, err, perr)
	}
	return v
}

// mustHours parses business hours or fails the test.
func mustHours(t *testing.T, days map[string]string, tz string, holidays ...string) Hours {
	t.Helper()
	h, err := ParseHours(days, tz, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
