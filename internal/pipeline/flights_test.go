package pipeline

import "testing"

// TestFlightsClaimAgainOnlyWhenWorkCanWait: finishing a message makes the
// sender claim again only when something may wait behind it: a chat known
// to hold a message behind the one in flight, once nothing of it is in
// flight any more, or a sender waiting for a free slot. A chat that
// finished while a claim ran is claimed again at once.
func TestFlightsClaimAgainOnlyWhenWorkCanWait(t *testing.T) {
	type step struct {
		do    string // start, finish, behind, short, slot, leasing, missed
		lines []string
		want  bool // what finish, behind, short and missed report
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"a lone reply claims nothing", []step{
			{do: "start", lines: []string{"a"}},
			{do: "finish", lines: []string{"a"}, want: false},
		}},
		{"a reply with one waiting behind it claims once", []step{
			{do: "start", lines: []string{"a"}},
			{do: "behind", lines: []string{"a"}, want: false},
			{do: "finish", lines: []string{"a"}, want: true},
			{do: "start", lines: []string{"a"}},
			{do: "finish", lines: []string{"a"}, want: false},
		}},
		{"waiting on a chat not in flight here needs the claim", []step{
			{do: "behind", lines: []string{"b"}, want: true},
		}},
		{"the next in line leased with the record keeps the mark", []step{
			{do: "start", lines: []string{"team"}},
			{do: "behind", lines: []string{"team"}, want: false},
			{do: "start", lines: []string{"team"}}, // leased as the first was recorded
			{do: "finish", lines: []string{"team"}, want: false},
			{do: "finish", lines: []string{"team"}, want: true},
		}},
		{"a short claim marks the chats it found waiting", []step{
			{do: "start", lines: []string{"a"}},
			{do: "start", lines: []string{"b"}},
			{do: "short", lines: []string{"b"}, want: false},
			{do: "finish", lines: []string{"a"}, want: false},
			{do: "finish", lines: []string{"b"}, want: true},
		}},
		{"a chat that finished while the claim ran claims again at once", []step{
			{do: "short", lines: []string{"gone"}, want: true},
		}},
		{"a batch that leased while a claim came back short learns it", []step{
			{do: "leasing"},
			{do: "short", lines: nil, want: false},
			{do: "start", lines: []string{"c"}},
			{do: "missed", want: true},
			{do: "behind", lines: []string{"c"}, want: false},
			{do: "finish", lines: []string{"c"}, want: true},
		}},
		{"a batch that leased with no claim meanwhile missed nothing", []step{
			{do: "leasing"},
			{do: "start", lines: []string{"c"}},
			{do: "missed", want: false},
			{do: "finish", lines: []string{"c"}, want: false},
		}},
		{"a sender waiting for a slot is woken by the next finish", []step{
			{do: "start", lines: []string{"a"}},
			{do: "start", lines: []string{"b"}},
			{do: "slot"},
			{do: "finish", lines: []string{"a"}, want: true},
			{do: "finish", lines: []string{"b"}, want: false},
		}},
		{"a slot the completer claimed for does not wake the sender; the next one does", []step{
			{do: "start", lines: []string{"a"}},
			{do: "start", lines: []string{"b"}},
			{do: "slot"},
			{do: "wanted", want: true},
			{do: "refilled", lines: []string{"a"}, want: false},
			{do: "wanted", want: true},
			{do: "finish", lines: []string{"b"}, want: true},
			{do: "wanted", want: false},
		}},
		{"a sender that claims itself wants no slot", []step{
			{do: "slot"},
			{do: "claiming"},
			{do: "wanted", want: false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlights()
			var since uint64
			for i, s := range tc.steps {
				var got bool
				switch s.do {
				case "start":
					f.start(s.lines[0])
					continue
				case "finish":
					got = f.finish(s.lines[0], false)
				case "refilled":
					got = f.finish(s.lines[0], true)
				case "wanted":
					got = f.slotWanted()
				case "claiming":
					f.claiming()
					continue
				case "behind":
					got = f.behind(s.lines)
				case "short":
					got = f.short(s.lines)
				case "slot":
					f.waitSlot()
					continue
				case "leasing":
					since = f.leasing()
					continue
				case "missed":
					got = f.missed(since)
				}
				if got != s.want {
					t.Fatalf("step %d (%s %v): got %v, want %v", i, s.do, s.lines, got, s.want)
				}
			}
			if len(f.lines) != 0 {
				t.Errorf("still in flight: %v", f.lines)
			}
		})
	}
}
