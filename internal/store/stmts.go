package store

import (
	"context"
	"database/sql"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache keeps statements prepared on the writer connection: with the
// pure-Go SQLite driver, preparing costs about five times what executing a
// prepared statement does (34 us against 6 us for a typical insert,
// measured here), and most of our statements run once per message.
//
// A statement cannot be prepared while a transaction holds the only writer
// connection, so a query seen for the first time runs unprepared, is noted,
// and is prepared as soon as that transaction ends.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sqlx.Stmt
	pending map[string]bool
}

// maxCachedStmts bounds each cache. Batches write their lists padded to a
// power of two (see lists.go), so each statement has a handful of texts: a
// run at --rate max used about 220 in all, writer and readers together.
// Before the padding, with lists written as they came, it was about 1,500,
// and a cache of 256 took about 19 MB at --customers 100000.
const maxCachedStmts = 256

func (c *stmtCache) lookup(query string) *sqlx.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[query]
	if st == nil && len(c.stmts)+len(c.pending) < maxCachedStmts {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[query] = true
	}
	return st
}

// preparePending prepares the queries noted since. Only the combiner calls
// it, between its transactions and while it holds the writer's turn, so no
// transaction holds the connection and nobody else prepares.
func (s *Store) preparePending(ctx context.Context) {
	s.stmts.mu.Lock()
	var todo []string
	for q := range s.stmts.pending {
		todo = append(todo, q)
	}
	s.stmts.pending = nil
	s.stmts.mu.Unlock()
	for _, q := range todo {
		st, err := s.w.PreparexContext(ctx, q)
		if err != nil {
			continue // it keeps running unprepared
		}
		s.stmts.mu.Lock()
		if s.stmts.stmts == nil {
			s.stmts.stmts = map[string]*sqlx.Stmt{}
		}
		s.stmts.stmts[q] = st
		s.stmts.mu.Unlock()
	}
}

func (s *Store) closeStmts() {
	for _, c := range []*stmtCache{&s.stmts, &s.readStmts} {
		c.mu.Lock()
		for _, st := range c.stmts {
			st.Close()
		}
		c.stmts = nil
		c.mu.Unlock()
	}
}

// exec, get and sel run a query in a write transaction, prepared when the
// cache has it.
func (s *Store) exec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (sql.Result, error) {
	s.stats.statements.Add(1)
	if s.postgres {
		return tx.ExecContext(ctx, s.pg(query), args...)
	}
	if st := s.stmts.lookup(query); st != nil {
		return tx.StmtxContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

func (s *Store) get(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		return tx.GetContext(ctx, dest, s.pg(query), args...)
	}
	if st := s.stmts.lookup(query); st != nil {
		return tx.StmtxContext(ctx, st).GetContext(ctx, dest, args...)
	}
	return tx.GetContext(ctx, dest, query, args...)
}

func (s *Store) sel(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		return tx.SelectContext(ctx, dest, s.pg(query), args...)
	}
	if st := s.stmts.lookup(query); st != nil {
		return tx.StmtxContext(ctx, st).SelectContext(ctx, dest, args...)
	}
	return tx.SelectContext(ctx, dest, query, args...)
}

// readGet and readSel query the readers, outside any transaction; on
// SQLite through statements prepared once (on each reader as it needs
// them), as the writer's are.
func (s *Store) readGet(ctx context.Context, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		return s.r.GetContext(ctx, dest, s.pg(query), args...)
	}
	if st := s.readStmt(ctx, query); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	return s.r.GetContext(ctx, dest, query, args...)
}

func (s *Store) readSel(ctx context.Context, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		return s.r.SelectContext(ctx, dest, s.pg(query), args...)
	}
	if st := s.readStmt(ctx, query); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return s.r.SelectContext(ctx, dest, query, args...)
}

// readStmt is query prepared for the readers, or nil when the cache is
// full (then it runs unprepared). Readers need no turn: a statement is
// prepared on whichever reader runs it.
func (s *Store) readStmt(ctx context.Context, query string) *sqlx.Stmt {
	c := &s.readStmts
	c.mu.Lock()
	st, full := c.stmts[query], len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := s.r.PreparexContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts == nil {
		c.stmts = map[string]*sqlx.Stmt{}
	}
	if prev := c.stmts[query]; prev != nil {
		// Prepared meanwhile by another caller; a reader's statement
		// closes without waiting for a connection.
		st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

// autoSel runs one writing statement on its own, outside any transaction
// (it is its own transaction), and reads what it returns.
func (s *Store) autoSel(ctx context.Context, part writerPart, dest any, query string, args ...any) error {
	return s.autoSelOn(ctx, s.w, part, dest, query, args...)
}

// leaseSel is autoSel for a statement that only leases work: on
// PostgreSQL its commit does not wait for the WAL to be flushed to disk
// (s.lax). Losing it in a crash of PostgreSQL loses the lease and nothing
// else: the work is pending again, is claimed anew, and whoever applies it
// first marks it done (the others find it done). What is done with the work
// commits synchronously, which flushes the lease with it. Every replica's
// event claims then stop waiting for, and adding to, the disk flushes that
// webhooks' group commits wait for.
func (s *Store) leaseSel(ctx context.Context, part writerPart, dest any, query string, args ...any) error {
	db := s.w
	if s.lax != nil {
		db = s.lax
	}
	return s.autoSelOn(ctx, db, part, dest, query, args...)
}

func (s *Store) autoSelOn(ctx context.Context, db *sqlx.DB, part writerPart, dest any, query string, args ...any) error {
	if s.postgres {
		s.stats.statements.Add(1)
		s.stats.commits.Add(1)
		return db.SelectContext(ctx, dest, s.pg(query), args...)
	}
	// On SQLite it joins whatever else waits for the writer (see combine).
	return s.combine(ctx, &txReq{query: query, args: args, dest: dest, part: part})
}

// execWriter runs one statement on SQLite's writer, its own transaction,
// prepared when the cache has it; its caller holds the writer's turn.
func (s *Store) execWriter(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := s.stmts.lookup(query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.w.ExecContext(ctx, query, args...)
}

// selWriter runs one statement on SQLite's writer, prepared when the cache
// has it; its caller holds the writer's turn.
func (s *Store) selWriter(ctx context.Context, dest any, query string, args ...any) error {
	if st := s.stmts.lookup(query); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return s.w.SelectContext(ctx, dest, query, args...)
}
