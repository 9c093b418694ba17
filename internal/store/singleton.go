package store

import (
	"context"
	"time"
)

// Singleton runs fn on one replica at a time: work that must not run
// twice, such as a Discord gateway connection or Telegram long polling for
// a bot. On PostgreSQL the replica holding the advisory lock named name
// runs it; the others wait and take over when that replica stops or its
// connection breaks (fn's context is then cancelled). On SQLite there is
// one process, so fn runs at once.
//
// fn returning nil means "run me again if I still hold the lock"; an error
// ends Singleton with that error. It returns nil when ctx ends.
func (s *Store) Singleton(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if !s.postgres {
		err := fn(ctx)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	const retry = 2 * time.Second
	for ctx.Err() == nil {
		held, err := s.holdLock(ctx, name, fn)
		if held && err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
	return nil
}

// holdLock takes the advisory lock on a connection of its own, runs fn
// while the connection answers, and gives the lock back. held says whether
// the lock was taken.
func (s *Store) holdLock(ctx context.Context, name string, fn func(ctx context.Context) error) (held bool, err error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, name).Scan(&held); err != nil || !held {
		return false, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The lock lives as long as the connection: if it breaks, another
		// replica may take over, so this one must stop.
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				ping, stop := context.WithTimeout(runCtx, 5*time.Second)
				err := conn.PingContext(ping)
				stop()
				if err != nil && runCtx.Err() == nil {
					cancel()
					return
				}
			}
		}
	}()
	err = fn(runCtx)
	cancel()
	unlock, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	// A failure here does not matter: closing the connection gives it back.
	_, _ = conn.ExecContext(unlock, `SELECT pg_advisory_unlock(hashtext($1))`, name)
	return true, err
}
