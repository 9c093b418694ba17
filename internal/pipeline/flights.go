package pipeline

import "sync"

// flights knows which outbox lines (chats) this replica has a message in
// flight to, so that the sender claims again only when finishing one can
// have made another claimable. A line's next message becomes claimable
// when the one ahead of it is recorded; claiming after every delivery just
// in case cost a writer turn per reply and found nothing most of the time.
//
// The rule: whenever a claim comes back short, every line that was in
// flight when it started may hold a message queued behind (it was not
// claimable then), so finishing that line's message claims again. A line
// that finished while the claim ran may already have been passed over:
// claim again at once.
type flights struct {
	mu      sync.Mutex
	lines   map[string]int  // messages in flight per line
	recheck map[string]bool // lines whose finish must claim again
	// shorts counts claims that came back short; a batch that leased
	// replies while one ran marks its lines too (see leased).
	shorts   uint64
	wantSlot bool // the sender waits for a free slot
}

func newFlights() *flights {
	return &flights{lines: map[string]int{}, recheck: map[string]bool{}}
}

// start notes a message going out on line.
func (f *flights) start(line string) {
	f.mu.Lock()
	f.lines[line]++
	f.mu.Unlock()
}

// finish notes that a message on line is done (sent and recorded, or put
// back); it reports whether the sender should claim again. refilled says
// the completer claimed work for the slot it frees already, so a sender
// waiting for a slot need not claim for this one.
func (f *flights) finish(line string, refilled bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lines[line]--; f.lines[line] <= 0 {
		delete(f.lines, line)
	}
	again := f.wantSlot && !refilled
	if again {
		f.wantSlot = false
	}
	// A line with another message in flight already (the next in line,
	// leased as this one was recorded) keeps its mark for that one.
	if f.recheck[line] && f.lines[line] == 0 {
		delete(f.recheck, line)
		again = true
	}
	return again
}

// inFlight lists the lines in flight now, before a claim starts.
func (f *flights) inFlight() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines := make([]string, 0, len(f.lines))
	for l := range f.lines {
		lines = append(lines, l)
	}
	return lines
}

// short notes that a claim came back with less than it could take, and
// that the lines waiting, in flight when it started, hold messages behind
// the one in flight. It reports whether to claim again at once: one of
// those finished while the claim ran.
func (f *flights) short(waiting []string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shorts++
	return f.markLocked(waiting)
}

func (f *flights) markLocked(lines []string) bool {
	again := false
	for _, l := range lines {
		if f.lines[l] > 0 {
			f.recheck[l] = true
		} else {
			again = true
		}
	}
	return again
}

// behind notes that messages wait on these lines; those this replica has
// a message in flight on go when it is recorded. It reports whether any
// waits on a line that is not (the sender's claim must look for it).
func (f *flights) behind(lines []string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.markLocked(lines)
}

// followed picks, of these lines, those marked as having a message
// waiting behind the one in flight.
func (f *flights) followed(lines []string) []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	marked := make([]bool, len(lines))
	for i, l := range lines {
		marked[i] = f.recheck[l]
	}
	return marked
}

// leasing is read before a batch leases replies, and missed after they
// are started: if a claim came back short in between, it could not see
// them in flight, and whichever of their chats hold a message waiting
// must be marked as its would have been (see Pipeline.handleBatch).
func (f *flights) leasing() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shorts
}

func (f *flights) missed(since uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shorts != since
}

// waitSlot notes that the sender waits for a delivery to free a slot.
func (f *flights) waitSlot() {
	f.mu.Lock()
	f.wantSlot = true
	f.mu.Unlock()
}

// slotWanted says whether the sender waits for a slot: then recording
// sends claims for the slots they free (see runCompleter).
func (f *flights) slotWanted() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wantSlot
}

// claiming notes that the sender claims for free slots itself.
func (f *flights) claiming() {
	f.mu.Lock()
	f.wantSlot = false
	f.mu.Unlock()
}
