package store

import (
	"context"
	"strings"
	"testing"
)

// TestClaimsUseIndexes guards against claims that scan whole tables: they
// run for every message, and the tables keep history.
func TestClaimsUseIndexes(t *testing.T) {
	s := openTest(t)
	for name, q := range map[string]string{
		"inbox claim": `SELECT i.id FROM inbox i WHERE i.state = 'pending' AND i.next_attempt_at <= 1
			AND (i.claimed_until IS NULL OR i.claimed_until < 1)
			AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = i.conversation_key AND e.id < i.id)
			ORDER BY i.id LIMIT 4`,
		"outbox claim": `SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.waits = 0 AND o.next_attempt_at <= 1
			AND (o.claimed_until IS NULL OR o.claimed_until < 1)
			AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.chat_key = o.chat_key AND e.id < o.id)
			ORDER BY (o.created_at - o.priority * 60000), o.id LIMIT 4`,
	} {
		var rows []struct {
			ID, Parent, NotUsed int
			Detail              string
		}
		if err := s.r.SelectContext(context.Background(), &rows, "EXPLAIN QUERY PLAN "+q); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if (strings.HasPrefix(r.Detail, "SCAN ") && !strings.Contains(r.Detail, "USING")) || strings.Contains(r.Detail, "TEMP B-TREE") {
				t.Errorf("%s: plan step %q scans or sorts instead of using an index", name, r.Detail)
			}
		}
		// The sender's claim walks only the messages that wait for no
		// other: not a team chat's whole queue of notices.
		if name == "outbox claim" && (len(rows) == 0 || !strings.Contains(rows[0].Detail, "outbox_claim_heads")) {
			t.Errorf("%s: plan %+v does not walk outbox_claim_heads", name, rows)
		}
	}
}
