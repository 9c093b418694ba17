package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestListsTakeAFewTexts: on SQLite every length of a list, from 1 to
// 1,000, is written in one of a handful of texts, so the statements stay
// prepared; PostgreSQL pads its IN lists the same way, and takes a
// multi-row statement's rows as VALUES up to nine and as arrays, in one
// text, from ten.
func TestListsTakeAFewTexts(t *testing.T) {
	sqlite, postgres := &Store{}, &Store{postgres: true}
	for _, tc := range []struct {
		name   string
		s      *Store
		render func(s *Store, n int) (string, []any)
		most   int
	}{
		{"SQLite IN", sqlite, func(s *Store, n int) (string, []any) { return s.in(make([]any, n)) }, 11},
		{"SQLite rows", sqlite, func(s *Store, n int) (string, []any) { return s.rows(rowOf("TEXT", "BIGINT"), n, make([]any, 2*n)) }, 11},
		{"PostgreSQL IN", postgres, func(s *Store, n int) (string, []any) { return s.in(make([]any, n)) }, 11},
		{"PostgreSQL rows", postgres, func(s *Store, n int) (string, []any) { return s.rows(rowOf("TEXT", "BIGINT"), n, make([]any, 2*n)) }, arrayRows},
		{"PostgreSQL typed rows", postgres, func(s *Store, n int) (string, []any) { return s.typedRows(n, make([]any, 2*n), "TEXT", "BIGINT") }, arrayRows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts := map[string]bool{}
			for n := 1; n <= 1000; n++ {
				text, args := tc.render(tc.s, n)
				texts[text] = true
				if want := countPlaceholders(text); len(args) != want {
					t.Fatalf("n=%d: %d arguments for %d placeholders", n, len(args), want)
				}
			}
			if len(texts) > tc.most {
				t.Errorf("%d texts for lists of 1 to 1,000, want at most %d", len(texts), tc.most)
			}
		})
	}
	// Past SQLite's limit on bound values a list is written as it is.
	if text, args := sqlite.in(make([]any, 20000)); len(args) != 20000 || countPlaceholders(text) != 20000 {
		t.Errorf("20,000 values written with %d arguments", len(args))
	}
}

// probeRow is a row of list_probe; its last column is an expression, as
// the outbox's and the inbox's rows have.
var probeRow = rowShape{text: "(?, ?, ?, ? + 1)", types: []string{"INTEGER", "TEXT", "TEXT", "INTEGER"}}

type probe struct {
	ID   int64          `db:"id"`
	Name sql.NullString `db:"name"`
	Note string         `db:"note"`
	N    int64          `db:"n"`
}

func countPlaceholders(text string) int {
	n := 0
	for _, c := range text {
		if c == '?' {
			n++
		}
	}
	return n
}

// TestPaddedListsSelectAndInsertExactly runs padded lists against both
// databases: an insert of n rows inserts n (NULLs in their first column
// too), and IN lists of every length find exactly what they name.
func TestPaddedListsSelectAndInsertExactly(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.w.ExecContext(ctx, `CREATE TABLE list_probe (id INTEGER PRIMARY KEY, name TEXT, note TEXT, n INTEGER)`); err != nil {
			t.Fatal(err)
		}
		if s.postgres {
			t.Cleanup(func() { s.w.ExecContext(context.Background(), `DROP TABLE list_probe`) })
		}
		inTx := func(fn func(tx *sqlx.Tx) error) {
			t.Helper()
			if err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error { return fn(tx) }); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		// As VALUES and, from arrayRows, as arrays on PostgreSQL.
		for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, arrayRows, arrayRows + 1, 33} {
			var args []any
			var want []string
			for i := range n {
				name := fmt.Sprintf("r%d.%d", n, i)
				want = append(want, name)
				var first any // a NULL first column is a row, not padding
				if i%2 == 0 {
					first = name
				}
				args = append(args, n*100+i, first, name, i)
			}
			var got []int64
			inTx(func(tx *sqlx.Tx) error {
				rows, args := s.rows(probeRow, n, args)
				return s.sel(ctx, tx, &got, `INSERT INTO list_probe (id, name, note, n) `+rows+` RETURNING id`, args...)
			})
			if len(got) != n {
				t.Fatalf("inserting %d rows inserted %d", n, len(got))
			}
			var wrote []probe
			if err := s.readSel(ctx, &wrote, `SELECT id, name, note, n FROM list_probe WHERE id >= ? AND id < ? ORDER BY id`, n*100, n*100+100); err != nil {
				t.Fatal(err)
			}
			for i, r := range wrote {
				// Each value lands in its own row and column; the last
				// column is the row's expression.
				var wantName sql.NullString
				if i%2 == 0 {
					wantName = sql.NullString{String: want[i], Valid: true}
				}
				if r.ID != int64(n*100+i) || r.Name != wantName || r.Note != want[i] || r.N != int64(i)+1 {
					t.Errorf("row %d of %d: %+v", i, n, r)
				}
			}
			names = append(names, want...)
		}
		if c := countRows(t, s, "list_probe"); c != len(names) {
			t.Fatalf("table holds %d rows, want %d", c, len(names))
		}
		for n := 1; n <= 9; n++ {
			ask := names[n : 2*n]
			in, args := s.in(anyOf(ask))
			var got []string
			if err := s.readSel(ctx, &got, `SELECT note FROM list_probe WHERE note IN (`+in+`) ORDER BY note`, args...); err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(ask))
			if !slices.Equal(got, want) {
				t.Errorf("IN of %d: got %q, want %q", n, got, want)
			}
			var pairs []any
			for _, name := range ask {
				var id int64
				if err := s.readGet(ctx, &id, `SELECT id FROM list_probe WHERE note = ?`, name); err != nil {
					t.Fatal(err)
				}
				pairs = append(pairs, id, name)
			}
			tuples, args := s.tuplesIn(2, pairs)
			var found int
			if err := s.readGet(ctx, &found, `SELECT COUNT(*) FROM list_probe WHERE (id, note) IN (`+tuples+`)`, args...); err != nil {
				t.Fatal(err)
			}
			if found != n {
				t.Errorf("row-value IN of %d found %d", n, found)
			}
		}
	})
}
