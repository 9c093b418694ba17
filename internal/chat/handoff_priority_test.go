package chat

import "testing"

func TestPriorityLabelsParseAndRaise(t *testing.T) {
	tests := []struct {
		in     string
		want   Priority
		ok     bool
		label  string
		raised Priority
	}{
		{"P1", PriorityCritical, true, "P1", PriorityCritical},
		{"p2", PriorityHigh, true, "P2", PriorityCritical},
		{"medium", PriorityMedium, true, "P3", PriorityHigh},
		{"P4", PriorityLow, true, "P4", PriorityMedium},
		{"LOW", PriorityLow, true, "P4", PriorityMedium},
		{"P5", "", false, "", ""},
		{"urgent", "", false, "", ""},
	}
	for _, tt := range tests {
		got, ok := ParsePriority(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePriority(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if l := got.Label(); l != tt.label {
			t.Errorf("%q.Label() = %q, want %q", got, l, tt.label)
		}
		if r := got.Raise(); r != tt.raised {
			t.Errorf("%q.Raise() = %q, want %q", got, r, tt.raised)
		}
	}
	if r := Priority("unknown").Raise(); r != PriorityMedium {
		t.Errorf("unknown priority raised to %q, want medium (one above low)", r)
	}
}
