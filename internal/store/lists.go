package store

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// A batch's statements carry lists: the ids of an IN, the rows of a
// multi-row INSERT. Written as they come, a statement has one text per
// batch size, and SQLite prepares a statement per text (stmtCache): at
// --rate max a run saw about 1,500 texts, most ran unprepared, and parsing
// them took 18 % of the service's CPU, much of it in the writer's turn.
// So a list is written padded to the next power of two, which leaves each
// statement a handful of texts, all kept prepared. On PostgreSQL, where a
// multi-row statement's rows go as arrays from ten rows up (see rows), an
// IN list is padded too: a few texts, each prepared once per connection
// and planned until PostgreSQL keeps its generic plan, where every length
// was a statement of its own, prepared and planned apart. (As an array,
// "IN (SELECT unnest(…))", a list joins its table instead of looking ids
// up: TestClaimPlansIgnoreStaleStatistics finds events marked done by
// walking the pending ones.)

// maxPaddedArgs keeps a padded statement under SQLite's limit of 32,766
// bound values (PostgreSQL's is 65,535); a list that would pass it is
// written as it is.
const maxPaddedArgs = 30000

// listSize is the number of items a list of n is written with.
func (s *Store) listSize(n, width int) int {
	if n <= 1 {
		return n
	}
	padded := 1 << bits.Len(uint(n-1))
	if padded*width > maxPaddedArgs {
		return n
	}
	return padded
}

// in writes the list of an IN: "?, ?, ?" and its arguments. On SQLite the
// list is padded with NULLs, which match nothing: in a WHERE, "x IN (a,
// NULL)" is true where x = a and NULL (no row) elsewhere. (Repeating a value
// instead makes SQLite walk that value's rows once more per copy: 46
// against 25 us in a benchmark where it was a team chat with thousands of
// messages queued.) Only for a positive IN in a WHERE: NOT IN with a NULL
// is never true.
func (s *Store) in(values []any) (string, []any) {
	return s.tuplesIn(1, values)
}

// tuplesIn writes the list of a row-value IN, "(a, b) IN (…)": the values
// are width at a time, padded as in does.
func (s *Store) tuplesIn(width int, values []any) (string, []any) {
	n := len(values) / width
	size := s.listSize(n, width)
	if size > n {
		values = append(values[:len(values):len(values)], make([]any, (size-n)*width)...)
	}
	return placeholders(size, width), values
}

// A rowShape is one row of a multi-row statement: text is the row as a
// VALUES list takes it, "(?, ?, …)", each column a placeholder or an
// expression with one, and types the PostgreSQL type of each value the
// row binds, in the order bound (see Store.rows).
type rowShape struct {
	text  string
	types []string
}

// rowOf is the row of one plain placeholder per column, of these types.
func rowOf(types ...string) rowShape {
	return rowShape{text: "(" + strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ") + ")", types: types}
}

// rows writes the rows of a multi-row INSERT or of a VALUES table, n rows
// of shape, their values in args (row after row).
//
// On PostgreSQL, from arrayRows rows up, the values go column by column,
// one array each, and the rows are unnested from them: "SELECT u.v1, …
// FROM unnest(CAST(? AS BIGINT[]), …) AS u(v1, …)", each placeholder of the
// row's text reading its column. Written as "VALUES row, row, …", each
// batch size was a statement of its own, prepared on each connection and
// planned with every row's expressions (85 ms for a 55-row outbox insert,
// whose rows each look up their chat), and planning was 30 % of
// PostgreSQL's statement time. Fewer rows stay VALUES, a handful of texts
// whose generic plans PostgreSQL keeps after five calls; as arrays they
// were planned at every call (PostgreSQL guesses ten rows for an array
// parameter, and a plan for ten looks dearer than one for two), and cost
// 5-8 % more CPU per reply when the platform is slow and batches small.
//
// On SQLite the rows are padded, so each row binds one more value first,
// 1 for a row and NULL for padding, and the padding is filtered out:
// "SELECT column2, … FROM (VALUES …) WHERE column1 IS NOT NULL" (SQLite
// names a VALUES table's columns column1, column2, …). The WHERE also
// keeps an INSERT's ON CONFLICT unambiguous, as SQLite asks of an INSERT …
// SELECT with one.
func (s *Store) rows(shape rowShape, n int, args []any) (string, []any) {
	switch {
	case !s.postgres:
		return s.paddedRows(shape.text, n, args)
	case n < arrayRows:
		return "VALUES " + strings.TrimSuffix(strings.Repeat(shape.text+", ", n), ", "), args
	}
	return unnestRows(shape, n, args)
}

// arrayRows is the fewest rows PostgreSQL is given as arrays (see rows).
const arrayRows = 10

// typedRows is rows of placeholders cast to their types: a VALUES table
// other statements read. SQLite casts every row, the text being one for
// all; PostgreSQL takes a VALUES table's types from its first row.
func (s *Store) typedRows(n int, args []any, casts ...string) (string, []any) {
	switch {
	case !s.postgres:
		return s.paddedRows(typedRow(casts...), n, args)
	case n < arrayRows:
		return "VALUES " + typedRow(casts...) + strings.Repeat(", "+rowOf(casts...).text, n-1), args
	}
	return unnestRows(rowOf(casts...), n, args)
}

// unnestRows is rows on PostgreSQL. pgx sends each column as an array of
// its type, NULLs included.
func unnestRows(shape rowShape, n int, args []any) (string, []any) {
	width := len(shape.types)
	if len(args) != n*width {
		panic(fmt.Sprintf("store: %d values for %d rows of %d", len(args), n, width))
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	bound := 0
	for _, c := range shape.text[1 : len(shape.text)-1] {
		if c != '?' {
			b.WriteRune(c)
			continue
		}
		bound++
		b.WriteString("u.v" + strconv.Itoa(bound))
	}
	if bound != width {
		panic(fmt.Sprintf("store: a row binding %d values given %d types", bound, width))
	}
	b.WriteString(" FROM unnest(")
	columns := make([]any, width)
	for c, t := range shape.types {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CAST(? AS " + t + "[])")
		column := make([]any, n)
		for i := range n {
			column[i] = args[i*width+c]
		}
		columns[c] = column
	}
	b.WriteString(") AS u(")
	for c := range width {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString("v" + strconv.Itoa(c+1))
	}
	b.WriteString(")")
	return b.String(), columns
}

// paddedRows is rows on SQLite.
func (s *Store) paddedRows(row string, n int, args []any) (string, []any) {
	width := strings.Count(row, "?")
	size := s.listSize(n, width+1)
	marked := "(?, " + row[1:]
	var b strings.Builder
	b.WriteString("SELECT ")
	for c := range width {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString("column")
		b.WriteString(strconv.Itoa(c + 2))
	}
	b.WriteString(" FROM (VALUES ")
	for i := range size {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(marked)
	}
	b.WriteString(") WHERE column1 IS NOT NULL")
	all := make([]any, 0, size*(width+1))
	for i := range n {
		all = append(all, 1)
		all = append(all, args[i*width:(i+1)*width]...)
	}
	for range (size - n) * (width + 1) {
		all = append(all, nil)
	}
	return b.String(), all
}

// typedRow is one row of placeholders, each cast to its type ("" for
// none): every row of typedRows on SQLite, the first on PostgreSQL.
func typedRow(casts ...string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range casts {
		if i > 0 {
			b.WriteString(", ")
		}
		if c == "" {
			b.WriteByte('?')
		} else {
			b.WriteString("CAST(? AS " + c + ")")
		}
	}
	b.WriteByte(')')
	return b.String()
}

// anyOf is xs as the arguments of a statement.
func anyOf[T any](xs []T) []any {
	args := make([]any, len(xs))
	for i, x := range xs {
		args[i] = x
	}
	return args
}
