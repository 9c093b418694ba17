// Package httpapi is frontdesk's HTTP surface: platform webhooks, health,
// readiness, metrics and the admin API. Platform adapters hand it plain
// http.Handlers; it knows nothing of their protocols.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options are what the router serves.
type Options struct {
	// Webhooks maps "platform/bot" (e.g. "telegram/shop") to the bot's handler.
	Webhooks map[string]http.Handler
	DB       Pinger
	// Ready, if set, adds its own checks to /readyz (e.g. the rules loaded).
	Ready func() (ok bool, detail map[string]string)
	// Metrics, if set, is served at GET /metrics (no authentication).
	Metrics http.Handler
	// AdminToken is the bearer token of the /admin/ API. Empty turns the
	// whole admin API off: its paths answer 404.
	AdminToken string
	// Reload reloads the rules for POST /admin/reload. On success it returns
	// the number of rules now running. When the new rules are refused it
	// returns an error and problems, one line each ("rules.yaml:3:12: …");
	// an error without problems is an internal failure.
	Reload func(ctx context.Context) (count int, problems []string, err error)
	// Outbox lists outbox messages in a state ("pending" or "failed") for
	// GET /admin/outbox; RetryOutbox puts given-up messages back in line
	// (all of them when ids is empty) for POST /admin/outbox/retry.
	Outbox      func(ctx context.Context, state string, limit int) (any, error)
	RetryOutbox func(ctx context.Context, ids []int64) (int64, error)
	// Handoffs lists the waiting and claimed handoffs for GET /admin/handoffs.
	Handoffs func(ctx context.Context, limit int) (any, error)
	// API, if set, serves /api/v1 for helpdesks and CRMs, with named
	// tokens; AdminToken, when set, is accepted there too, as scope admin.
	API *API
	// TrustedProxies are the addresses (or CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed. Without them the peer address is the
	// client, so a proxy in front would look like one client to the
	// per-address limit on failed webhook authentication.
	TrustedProxies []string
	// AuthFailures limits failed webhook authentications per client
	// address; nil uses DefaultAuthFailures.
	AuthFailures *AuthFailureLimit
	// Pages are browser pages (the dashboard, the sandbox) by path prefix.
	// They are served only with a PageToken, given as a bearer token or
	// once as ?token=, after which a session cookie is enough.
	Pages     map[string]http.Handler
	PageToken string
	// ObserveWebhook, if set, is told every webhook request to a
	// configured bot: its status and how long it took, for metrics.
	ObserveWebhook func(platform, bot string, status int, took time.Duration)
	// Draining, if set and true, means the service is stopping: webhooks
	// answer 503 with Retry-After (the platform delivers the update again,
	// to another replica) and /readyz answers 503, so the load balancer
	// stops sending here.
	Draining func() bool
	Log      *slog.Logger
}

func init() {
	gin.SetMode(gin.ReleaseMode)
}

// New builds the router. It fails only on a malformed TrustedProxies entry.
func New(o Options) (http.Handler, error) {
	r := gin.New()
	// A customer id in the API is platform/bot/external_id escaped as one
	// path segment (telegram%2Fshop%2F4242): route on the escaped path.
	r.UseRawPath = true
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	limit := o.AuthFailures
	if limit == nil {
		limit = &DefaultAuthFailures
	}
	https, err := httpsChecker(o.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	failures := newFailureLimiter(*limit, time.Now)
	// Guesses of the admin token, on the API and the pages, have their own
	// allowance per address, as webhook secrets do.
	guard := &tokenGuard{failures: newFailureLimiter(*limit, time.Now)}
	r.Use(requestIDs(), securityHeaders, gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		o.Log.ErrorContext(c.Request.Context(), "http: handler panicked", "path", c.FullPath(), "panic", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	r.POST("/webhooks/:platform/:bot", func(c *gin.Context) {
		platform, bot := c.Param("platform"), c.Param("bot")
		h, ok := o.Webhooks[platform+"/"+bot]
		if !ok {
			c.String(http.StatusNotFound, "no such bot\n")
			return
		}
		if o.Draining != nil && o.Draining() {
			// Nothing was accepted, so nothing is lost: the platform
			// retries, and the load balancer picks a replica that stays.
			c.Header("Retry-After", "1")
			c.String(http.StatusServiceUnavailable, "shutting down\n")
			return
		}
		if o.ObserveWebhook != nil {
			began := time.Now()
			defer func() { o.ObserveWebhook(platform, bot, c.Writer.Status(), time.Since(began)) }()
		}
		// The bot's handler checks the secret first, always: a platform
		// that knows it is never refused because someone else (or a
		// misconfigured proxy address shared with it) failed. Only a
		// failure from an address over its allowance becomes a 429.
		ip := c.ClientIP()
		gate := &authGate{ResponseWriter: c.Writer, wait: failures.blocked(ip)}
		h.ServeHTTP(gate, c.Request)
		if gate.refused {
			return
		}
		if s := c.Writer.Status(); s == http.StatusUnauthorized || s == http.StatusForbidden {
			if failures.failed(ip) {
				o.Log.WarnContext(c.Request.Context(), "http: webhook authentication keeps failing; refusing this address for a while",
					"remote", ip, "path", c.Request.URL.Path)
			}
		}
	})
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		detail := map[string]string{"database": "ok"}
		ok := true
		if err := o.DB.Ping(ctx); err != nil {
			ok = false
			detail["database"] = "unreachable"
			o.Log.Warn("readyz: database unreachable", "err", err)
		}
		if o.Draining != nil && o.Draining() {
			ok = false
			detail["shutdown"] = "draining"
		}
		if o.Ready != nil {
			more, d := o.Ready()
			ok = ok && more
			for k, v := range d {
				detail[k] = v
			}
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		c.JSON(status, detail)
	})
	if o.Metrics != nil {
		r.GET("/metrics", gin.WrapH(o.Metrics))
	}
	var ss *sessions
	if o.PageToken != "" {
		ss = newSessions(o.PageToken, SessionTTL, time.Now)
		mountPages(r, o.Pages, pageAuth(o.PageToken, ss, guard, https), ss)
	}
	if o.API != nil {
		mountAPI(r, o.API, o.AdminToken, guard, o.Log)
	}
	if o.AdminToken != "" {
		g := r.Group("/admin", bearer(o.AdminToken, guard, o.Log))
		admin(g, o)
		if ss != nil {
			// Ends every page session issued so far by this replica (a new
			// admin token ends them on all replicas).
			g.POST("/sessions/revoke", func(c *gin.Context) {
				ss.revokeAll()
				c.JSON(http.StatusOK, gin.H{"status": "ok"})
			})
		}
	}
	return r, nil
}

// admin serves the operators' API. Every route is optional: one whose
// function is not set answers 404.
func admin(g *gin.RouterGroup, o Options) {
	if o.Reload != nil {
		g.POST("/reload", func(c *gin.Context) {
			n, problems, err := o.Reload(c.Request.Context())
			switch {
			case err == nil:
				c.JSON(http.StatusOK, gin.H{"status": "ok", "rules": n})
			case len(problems) > 0:
				// The new rules are refused; the last good ones keep running.
				c.JSON(http.StatusUnprocessableEntity, gin.H{"status": "error", "errors": problems})
			default:
				o.Log.Error("admin: reload failed", "err", err)
				c.JSON(http.StatusInternalServerError, gin.H{"status": "error", "errors": []string{err.Error()}})
			}
		})
	}
	if o.Outbox != nil {
		g.GET("/outbox", func(c *gin.Context) {
			limit, ok := limitParam(c)
			if !ok {
				return
			}
			state := c.DefaultQuery("state", "failed")
			if state != "failed" && state != "pending" {
				c.JSON(http.StatusBadRequest, gin.H{"status": "error", "errors": []string{"state must be pending or failed"}})
				return
			}
			list, err := o.Outbox(c.Request.Context(), state, limit)
			if err != nil {
				unavailable(c, o.Log, "outbox", err)
				return
			}
			c.JSON(http.StatusOK, gin.H{"status": "ok", "state": state, "messages": list})
		})
	}
	if o.RetryOutbox != nil {
		g.POST("/outbox/retry", func(c *gin.Context) {
			var req struct {
				IDs []int64 `json:"ids"`
				All bool    `json:"all"`
			}
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
			if err := json.NewDecoder(c.Request.Body).Decode(&req); err != nil || (len(req.IDs) == 0) == !req.All {
				c.JSON(http.StatusBadRequest, gin.H{"status": "error", "errors": []string{`want {"ids": [12, 15]} or {"all": true}`}})
				return
			}
			n, err := o.RetryOutbox(c.Request.Context(), req.IDs)
			if err != nil {
				unavailable(c, o.Log, "outbox retry", err)
				return
			}
			c.JSON(http.StatusOK, gin.H{"status": "ok", "requeued": n})
		})
	}
	if o.Handoffs != nil {
		g.GET("/handoffs", func(c *gin.Context) {
			limit, ok := limitParam(c)
			if !ok {
				return
			}
			list, err := o.Handoffs(c.Request.Context(), limit)
			if err != nil {
				unavailable(c, o.Log, "handoffs", err)
				return
			}
			c.JSON(http.StatusOK, gin.H{"status": "ok", "handoffs": list})
		})
	}
}

// limitParam reads ?limit= (default 100, at most 1000).
func limitParam(c *gin.Context) (int, bool) {
	n, err := strconv.Atoi(c.DefaultQuery("limit", "100"))
	if err != nil || n < 1 || n > 1000 {
		c.JSON(http.StatusBadRequest, gin.H{"status": "error", "errors": []string{"limit must be 1 to 1000"}})
		return 0, false
	}
	return n, true
}

// unavailable answers a failed read of the database: the operator may try
// again; the cause goes to the log, not to the client.
func unavailable(c *gin.Context, log *slog.Logger, what string, err error) {
	log.ErrorContext(c.Request.Context(), "admin: "+what+" failed", "err", err)
	c.JSON(http.StatusServiceUnavailable, gin.H{"status": "error", "errors": []string{what + ": database unavailable, try again"}})
}

// bearer admits requests carrying "Authorization: Bearer <token>". Both sides
// are hashed first so the comparison takes the same time whatever the
// lengths.
func bearer(token string, guard *tokenGuard, log *slog.Logger) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		scheme, got, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			limited := guard.refuse(c, func() {
				c.Header("WWW-Authenticate", "Bearer")
				c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"status": "error", "errors": []string{"missing or wrong bearer token"}})
			})
			log.WarnContext(c.Request.Context(), "admin: request without a valid bearer token", "path", c.Request.URL.Path,
				"remote", c.ClientIP(), "throttled", limited)
			return
		}
		c.Next()
	}
}
