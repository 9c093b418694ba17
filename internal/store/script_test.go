package store

import (
	"context"
	"strings"
	"testing"
)

// TestAScriptIsOneTransaction: a script's statements see each other's
// writes, are kept together or not at all, and cost one round trip and
// one commit.
func TestAScriptIsOneTransaction(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE script_probe (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		var n int
		if err := s.w.GetContext(ctx, &n, `SELECT COUNT(*) FROM script_probe`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	var failing script
	failing.exec(`INSERT INTO script_probe (n) VALUES (?)`, 1)
	failing.exec(`UPDATE script_probe SET n = n / (n - 1)`) // division by zero
	failing.exec(`INSERT INTO script_probe (n) VALUES (?)`, 2)
	err := s.runScript(ctx, &failing)
	if err == nil || !strings.Contains(err.Error(), "statement 2 of 3") {
		t.Fatalf("a script whose second statement fails: %v, want that statement's error", err)
	}
	if n := count(); n != 0 {
		t.Errorf("after a failed script %d rows are kept, want none", n)
	}

	var rows []struct {
		N int `db:"n"`
	}
	before := s.Work()
	var ok script
	ok.exec(`INSERT INTO script_probe (n) VALUES (?), (?)`, 3, 4)
	scriptSel(&ok, &rows, `UPDATE script_probe SET n = n * 10 WHERE n > ? RETURNING n`, 3)
	if err := s.runScript(ctx, &ok); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].N != 40 {
		t.Errorf("the second statement returned %+v, want the row the first inserted, updated", rows)
	}
	if n := count(); n != 2 {
		t.Errorf("after the script %d rows, want 2", n)
	}
	after := s.Work()
	if st, c := after.Statements-before.Statements, after.Commits-before.Commits; st != 1 || c != 1 {
		t.Errorf("the script counted %d statements and %d commits, want one of each", st, c)
	}
}

// TestScriptsPlanClaimsWithTheirValues: the claims and the statements
// that let a line go run in scripts, and a plan made once for any value
// walks whole tables when the statistics are stale (see
// TestClaimPlansIgnoreStaleStatistics). What a script queues after
// planEachCall is planned with its values; what it queues before, and the
// scripts after it, keep PostgreSQL's usual choice, also when the script
// fails half way.
func TestScriptsPlanClaimsWithTheirValues(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	s.w.SetMaxOpenConns(1) // every script on the one session
	type mode struct {
		Mode string `db:"mode"`
	}
	const show = `SELECT current_setting('plan_cache_mode') AS mode`
	var before, after, next []mode
	var sc script
	scriptSel(&sc, &before, show)
	sc.planEachCall()
	scriptSel(&sc, &after, show)
	if err := s.runScript(ctx, &sc); err != nil {
		t.Fatal(err)
	}
	var failing script
	failing.planEachCall()
	failing.exec(`SELECT 1 / 0`)
	if err := s.runScript(ctx, &failing); err == nil {
		t.Fatal("a script dividing by zero ran")
	}
	var last script
	scriptSel(&last, &next, show)
	if err := s.runScript(ctx, &last); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []mode
		want string
	}{
		{"before planEachCall", before, "auto"},
		{"after planEachCall", after, "force_custom_plan"},
		{"in the next script, after one that failed", next, "auto"},
	} {
		if len(c.got) != 1 || c.got[0].Mode != c.want {
			t.Errorf("%s: plan_cache_mode %+v, want %s", c.name, c.got, c.want)
		}
	}
}
