//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// TakeOver makes this process the database's only server. On SQLite it
// holds an exclusive lock on a file beside the database for as long as the
// store is open; the kernel drops it when the process dies, however it
// dies. Holding it proves that no other server holds claims on this
// database, so the claims left in it are a dead process's, given back at
// once: after kill -9 the next start answers at once instead of waiting for
// the leases to run out. The command-line tools (report, outbox, forget,
// check, try) do not take it and keep working beside a running server.
//
// On PostgreSQL it does nothing: other replicas may be alive, and their
// claims run out with their leases.
func (s *Store) TakeOver(ctx context.Context) error {
	if s.postgres || s.path == "" {
		return nil
	}
	name := s.path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("another frontdesk serve is running on %s (it holds %s); SQLite takes one server: stop it, or use PostgreSQL for replicas", s.path, name)
		}
		return fmt.Errorf("lock %s: %w", name, err)
	}
	s.lock = f
	if err := s.ReleaseClaims(ctx, ""); err != nil {
		return err
	}
	return nil
}

func (s *Store) releaseLock() error {
	if s.lock == nil {
		return nil
	}
	return s.lock.Close() // closing the descriptor drops the lock
}
