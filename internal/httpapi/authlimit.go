package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// AuthFailureLimit is how many failed webhook authentications one client
// address may make: Burst at once, then one more every Every. Platforms
// never fail authentication, so only someone guessing secrets (or a
// misconfigured proxy) is ever refused.
type AuthFailureLimit struct {
	Burst int
	Every time.Duration
}

// DefaultAuthFailures allows 20 failures at once, then 1 every 6 seconds.
var DefaultAuthFailures = AuthFailureLimit{Burst: 20, Every: 6 * time.Second}

// maxTrackedAddresses bounds the memory an attacker with many addresses
// can make us spend; past it the oldest records are forgotten.
const maxTrackedAddresses = 10000

// failureLimiter is a token bucket per address, counting failures only.
type failureLimiter struct {
	limit AuthFailureLimit
	now   func() time.Time

	mu    sync.Mutex
	debts map[string]*debt
}

// debt is the failures an address owes, as the time its bucket is full
// again: each failure pushes it Every further, and the address is refused
// while it lies more than Burst×Every ahead.
type debt struct{ fullAt time.Time }

func newFailureLimiter(l AuthFailureLimit, now func() time.Time) *failureLimiter {
	return &failureLimiter{limit: l, now: now, debts: map[string]*debt{}}
}

// blocked reports how long the address must wait before it may try again;
// 0 means it may.
func (f *failureLimiter) blocked(addr string) time.Duration {
	if f.limit.Burst <= 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.debts[addr]
	if !ok {
		return 0
	}
	ahead := d.fullAt.Sub(f.now())
	return max(ahead-time.Duration(f.limit.Burst-1)*f.limit.Every, 0)
}

// failed records a failure and reports whether the address has now used
// up its allowance, so the caller logs once per refusal, not per request.
func (f *failureLimiter) failed(addr string) bool {
	if f.limit.Burst <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	d, ok := f.debts[addr]
	if !ok {
		if len(f.debts) >= maxTrackedAddresses {
			f.forgetRepaidLocked(now)
		}
		d = &debt{fullAt: now}
		f.debts[addr] = d
	}
	if d.fullAt.Before(now) {
		d.fullAt = now
	}
	d.fullAt = d.fullAt.Add(f.limit.Every)
	return d.fullAt.Sub(now) > time.Duration(f.limit.Burst-1)*f.limit.Every
}

// take spends one of key's allowance, the same bucket counting every
// use instead of failures (an API token's requests); a wait above 0
// refuses, and says when to try again.
func (f *failureLimiter) take(key string) time.Duration {
	if wait := f.blocked(key); wait > 0 {
		return wait
	}
	f.failed(key)
	return 0
}

// forgetRepaidLocked drops the addresses whose bucket is full again, and
// when that is not enough, all of them: an attacker then gets a fresh
// allowance, which is better than memory without bound.
func (f *failureLimiter) forgetRepaidLocked(now time.Time) {
	for addr, d := range f.debts {
		if !d.fullAt.After(now) {
			delete(f.debts, addr)
		}
	}
	if len(f.debts) >= maxTrackedAddresses {
		clear(f.debts)
	}
}

// authGate passes the bot handler's answer through, except an
// authentication failure from an address that has used up its allowance,
// which it turns into 429 with Retry-After (and drops the handler's body).
// Success is never touched: the secret decides, not the address.
type authGate struct {
	http.ResponseWriter
	wait    time.Duration // how long the address is refused for failures; 0 if it is not
	wrote   bool
	refused bool
}

func (g *authGate) WriteHeader(code int) {
	if g.wrote {
		return
	}
	g.wrote = true
	if g.wait > 0 && (code == http.StatusUnauthorized || code == http.StatusForbidden) {
		g.refused = true
		h := g.Header()
		h.Del("Content-Length")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Retry-After", strconv.Itoa(int(g.wait.Round(time.Second)/time.Second)+1))
		g.ResponseWriter.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(g.ResponseWriter, "too many failed authentications\n")
		return
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *authGate) Write(b []byte) (int, error) {
	if !g.wrote {
		g.WriteHeader(http.StatusOK)
	}
	if g.refused {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// Flush lets a streaming handler flush through the gate.
func (g *authGate) Flush() {
	if f, ok := g.ResponseWriter.(http.Flusher); ok && !g.refused {
		f.Flush()
	}
}
