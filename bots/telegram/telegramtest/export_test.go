package telegramtest

import "time"

// WaitPolling blocks until a getUpdates call is waiting for updates, so a
// test can be sure a queued update wakes a poll rather than being found by
// one that has not started yet.
func (s *Server) WaitPolling(timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		polling, changed := s.polling, s.changed
		s.mu.Unlock()
		if polling > 0 {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		}
	}
}
