package storetest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestInstanceStopsAndStarts: a private server answers, refuses
// connections while stopped, and answers again with its data after a
// restart.
func TestInstanceStopsAndStarts(t *testing.T) {
	in := StartInstance(t)
	db, err := sql.Open("pgx", in.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	in.Stop()
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("the stopped server still answers")
	}
	in.Start()
	var v int
	if err := db.QueryRowContext(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 7 {
		t.Fatalf("after the restart: %d, %v; want 7", v, err)
	}
}
