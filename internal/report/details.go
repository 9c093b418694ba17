package report

import (
	"fmt"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// Details before the wait (issue 20): how many of the period's handoffs
// asked the customer for details first (a rule's collect:), so a team
// sees how often customers answer questions before waiting for a person.

// addDetails counts the handoffs that asked for details first.
func (r *Report) addDetails(hs []store.HandoffTimes) {
	for _, h := range hs {
		if h.DetailsAsked > 0 {
			r.NeededDetails++
		}
	}
}

// NeededDetailsShare is the share of the period's handoffs that asked for
// details first; ok is false when there were no handoffs.
func (r Report) NeededDetailsShare() (float64, bool) {
	return Share(r.NeededDetails, r.Handoffs.Opened), r.Handoffs.Opened > 0
}

func writeDetailsText(b *strings.Builder, r Report) {
	share, ok := r.NeededDetailsShare()
	if !ok {
		b.WriteString("\nDetails asked before a handoff: no handoffs\n")
		return
	}
	fmt.Fprintf(b, "\nDetails asked before a handoff: %d of %s (%s)\n", r.NeededDetails, plural(r.Handoffs.Opened, "handoff"), percent(share, true))
}

func addDetailsJSON(j *jsonReport, r Report) {
	j.NeededDetails = r.NeededDetails
	if share, ok := r.NeededDetailsShare(); ok {
		j.NeededDetailsShare = &share
	}
}
