package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// sessionCookie holds proof that the browser was given the token once.
const sessionCookie = "frontdesk_session"

// pageAuth admits a browser to the pages (dashboard, sandbox): with the
// bearer token like the API, with the session cookie, or with ?token= once,
// which sets the cookie and redirects to the same page without the token
// in its address (so it stays out of history and proxies' logs). The
// cookie holds a value derived from the token, not the token: it opens
// the pages, not the admin API.
func pageAuth(token string) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("frontdesk page session v1"))
	session := hex.EncodeToString(mac.Sum(nil))
	return func(c *gin.Context) {
		scheme, got, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
			c.Next()
			return
		}
		if cookie, err := c.Cookie(sessionCookie); err == nil && subtle.ConstantTimeCompare([]byte(cookie), []byte(session)) == 1 {
			c.Next()
			return
		}
		if q := c.Query("token"); q != "" {
			sum := sha256.Sum256([]byte(q))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: session, Path: "/",
					HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
				u := *c.Request.URL
				query := u.Query()
				query.Del("token")
				u.RawQuery = query.Encode()
				c.Redirect(http.StatusSeeOther, (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String())
				c.Abort()
				return
			}
		}
		c.Header("WWW-Authenticate", "Bearer")
		c.Data(http.StatusUnauthorized, "text/plain; charset=utf-8",
			[]byte("This page needs the admin token: open it once as "+c.Request.URL.Path+"?token=<admin_token>.\n"))
		c.Abort()
	}
}

// mountPages serves each page handler under its path prefix ("/sandbox"),
// behind pageAuth, with the prefix stripped.
func mountPages(r *gin.Engine, pages map[string]http.Handler, token string) {
	auth := pageAuth(token)
	for prefix, h := range pages {
		prefix = "/" + strings.Trim(prefix, "/")
		wrapped := gin.WrapH(http.StripPrefix(prefix, h))
		r.Any(prefix, auth, func(c *gin.Context) {
			// The bare prefix is the page itself: its relative links need the slash.
			c.Redirect(http.StatusMovedPermanently, prefix+"/")
		})
		r.Any(prefix+"/*path", auth, wrapped)
	}
}
