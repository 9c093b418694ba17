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

// maxCachedStmts bounds the cache; queries built with a variable number of
// placeholders (IN lists) are few but not fixed.
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

// preparePending prepares the queries noted since; it must run with no
// transaction open in this goroutine.
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
		dup := s.stmts.stmts[q] != nil
		if !dup {
			s.stmts.stmts[q] = st
		}
		s.stmts.mu.Unlock()
		if dup {
			// Another caller prepared it meanwhile. Closing waits for the
			// writer connection, which a transaction may hold while it
			// waits for the cache's lock: so never under the lock.
			st.Close()
		}
	}
}

func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.stmts {
		st.Close()
	}
	s.stmts.stmts = nil
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

// readGet and readSel query the readers, outside any transaction.
func (s *Store) readGet(ctx context.Context, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		query = s.pg(query)
	}
	return s.r.GetContext(ctx, dest, query, args...)
}

func (s *Store) readSel(ctx context.Context, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	if s.postgres {
		query = s.pg(query)
	}
	return s.r.SelectContext(ctx, dest, query, args...)
}

// autoSel runs one writing statement on its own, outside any transaction
// (it is its own transaction), and reads what it returns.
func (s *Store) autoSel(ctx context.Context, dest any, query string, args ...any) error {
	s.stats.statements.Add(1)
	s.stats.commits.Add(1)
	if s.postgres {
		return s.w.SelectContext(ctx, dest, s.pg(query), args...)
	}
	if st := s.stmts.lookup(query); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	defer s.preparePending(context.WithoutCancel(ctx))
	return s.w.SelectContext(ctx, dest, query, args...)
}
