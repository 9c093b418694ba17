package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// sessionCookie holds a page session: proof that the browser was given the
// token once.
const sessionCookie = "frontdesk_session"

// SessionTTL is how long a page session lasts; then the page asks for the
// token again.
const SessionTTL = 12 * time.Hour

// securityHeaders keep the pages and the API out of other sites' frames
// (clickjacking), stop browsers from guessing content types, and keep our
// addresses (which may carry ?token=) out of the Referer of links followed
// from a page.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	c.Next()
}

// sessions issues and checks page sessions. A session is a random id with
// its issue and expiry times, signed with a key derived from the token, so
// every replica sharing the token accepts it and a new token ends them all.
// Revoking is kept in memory: a logout or POST /admin/sessions/revoke ends
// sessions on the replica that receives it.
type sessions struct {
	key []byte
	ttl time.Duration
	now func() time.Time

	mu            sync.Mutex
	revokedBefore time.Time            // sessions issued before this are over
	revoked       map[string]time.Time // session id → its expiry, until which it must stay refused
}

func newSessions(token string, ttl time.Duration, now func() time.Time) *sessions {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("frontdesk page session v2"))
	return &sessions{key: mac.Sum(nil), ttl: ttl, now: now, revoked: map[string]time.Time{}}
}

// issue makes a new session's cookie value: id, issued, expires, signature.
func (s *sessions) issue() (string, time.Time) {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand never fails on supported platforms
	now := s.now()
	exp := now.Add(s.ttl)
	body := make([]byte, 0, 32)
	body = append(body, id[:]...)
	body = binary.BigEndian.AppendUint64(body, uint64(now.UnixNano()))
	body = binary.BigEndian.AppendUint64(body, uint64(exp.Unix()))
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(s.sign(body)), exp
}

func (s *sessions) sign(body []byte) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write(body)
	return mac.Sum(nil)
}

// parse checks a cookie value; it returns the session id when it is valid.
func (s *sessions) parse(v string) (string, bool) {
	b64body, b64sig, ok := strings.Cut(v, ".")
	if !ok {
		return "", false
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64body)
	sig, err2 := base64.RawURLEncoding.DecodeString(b64sig)
	if err1 != nil || err2 != nil || len(body) != 32 || !hmac.Equal(sig, s.sign(body)) {
		return "", false
	}
	id := string(body[:16])
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(body[16:24])))
	exp := time.Unix(int64(binary.BigEndian.Uint64(body[24:32])), 0)
	if !s.now().Before(exp) {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if issued.Before(s.revokedBefore) {
		return "", false
	}
	if _, gone := s.revoked[id]; gone {
		return "", false
	}
	return id, true
}

// revoke ends one session (a logout), remembered until it would have expired.
func (s *sessions) revoke(v string) {
	id, ok := s.parse(v)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, exp := range s.revoked {
		if !now.Before(exp) {
			delete(s.revoked, k)
		}
	}
	s.revoked[id] = now.Add(s.ttl)
}

// revokeAll ends every session issued so far.
func (s *sessions) revokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokedBefore = s.now()
	clear(s.revoked)
}

// tokenGuard answers a wrong admin token: 401, or 429 once the client
// address has failed too often. A right token is checked first and always
// admitted, so nobody's guessing locks the operator out.
type tokenGuard struct {
	failures *failureLimiter
}

// refuse answers a failed authentication and reports whether it was 429.
func (g *tokenGuard) refuse(c *gin.Context, unauthorized func()) bool {
	ip := c.ClientIP()
	if wait := g.failures.blocked(ip); wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"status": "error", "errors": []string{"too many failed authentications"}})
		return true
	}
	g.failures.failed(ip)
	unauthorized()
	return false
}

// httpsChecker tells whether a request reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto. The cookie is
// then Secure, so a browser never sends it over plain HTTP.
func httpsChecker(trusted []string) (func(*http.Request) bool, error) {
	var prefixes []netip.Prefix
	for _, t := range trusted {
		p, err := netip.ParsePrefix(t)
		if err != nil {
			a, err2 := netip.ParseAddr(t)
			if err2 != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", t, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		prefixes = append(prefixes, p)
	}
	return func(r *http.Request) bool {
		if r.TLS != nil {
			return true
		}
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return false
		}
		for _, p := range prefixes {
			if p.Contains(peer.Addr().Unmap()) {
				proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
				return strings.EqualFold(strings.TrimSpace(proto), "https")
			}
		}
		return false
	}, nil
}

// pageAuth admits a browser to the pages (dashboard, sandbox): with the
// bearer token like the API, with a session cookie, or with ?token= once,
// which starts a session and redirects to the same page without the token
// in its address (so it stays out of history and proxies' logs). The
// cookie holds a random session id, not the token nor anything that lasts:
// it opens the pages, not the admin API, expires after SessionTTL and can
// be revoked.
func pageAuth(token string, ss *sessions, guard *tokenGuard, https func(*http.Request) bool) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		scheme, got, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		bearer := strings.EqualFold(scheme, "Bearer")
		if bearer && subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
			c.Next()
			return
		}
		if cookie, err := c.Cookie(sessionCookie); err == nil {
			if _, ok := ss.parse(cookie); ok {
				c.Next()
				return
			}
		}
		q := c.Query("token")
		if q != "" {
			sum := sha256.Sum256([]byte(q))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				value, exp := ss.issue()
				http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Expires: exp,
					MaxAge: int(ss.ttl / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: https(c.Request)})
				u := *c.Request.URL
				query := u.Query()
				query.Del("token")
				u.RawQuery = query.Encode()
				c.Redirect(http.StatusSeeOther, (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String())
				c.Abort()
				return
			}
		}
		unauthorized := func() {
			c.Header("WWW-Authenticate", "Bearer")
			c.Data(http.StatusUnauthorized, "text/plain; charset=utf-8",
				[]byte("This page needs the admin token: open it once as "+c.Request.URL.Path+"?token=<admin_token>.\n"))
			c.Abort()
		}
		if q == "" && !bearer {
			// No guess was made (a first visit, an expired cookie): not a failure.
			unauthorized()
			return
		}
		guard.refuse(c, unauthorized)
	}
}

// mountPages serves each page handler under its path prefix ("/sandbox"),
// behind pageAuth, with the prefix stripped. PREFIX/logout ends the
// browser's session.
func mountPages(r *gin.Engine, pages map[string]http.Handler, auth gin.HandlerFunc, ss *sessions) {
	for prefix, h := range pages {
		prefix = "/" + strings.Trim(prefix, "/")
		wrapped := gin.WrapH(http.StripPrefix(prefix, h))
		r.Any(prefix, auth, func(c *gin.Context) {
			// The bare prefix is the page itself: its relative links need
			// the slash. The query goes along (/dashboard?since=30d).
			c.Redirect(http.StatusMovedPermanently, (&url.URL{Path: prefix + "/", RawQuery: c.Request.URL.RawQuery}).String())
		})
		r.Any(prefix+"/*path", logout(ss), auth, wrapped)
	}
}

// logout answers POST PREFIX/logout: the session ends on this replica and
// the browser forgets its cookie. It needs no token: ending a session is
// harmless, and a stolen cookie's owner must be able to do it.
func logout(ss *sessions) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Param("path") != "/logout" || c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		if cookie, err := c.Cookie(sessionCookie); err == nil {
			ss.revoke(cookie)
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		c.String(http.StatusOK, "Signed out.\n")
		c.Abort()
	}
}
