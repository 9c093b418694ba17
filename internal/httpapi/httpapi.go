// Package httpapi is frontdesk's HTTP surface: platform webhooks, health,
// readiness, metrics and the admin API. Platform adapters hand it plain
// http.Handlers; it knows nothing of their protocols.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
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
	Log    *slog.Logger
}

func init() {
	gin.SetMode(gin.ReleaseMode)
}

// New builds the router.
func New(o Options) http.Handler {
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		o.Log.Error("http: handler panicked", "path", c.FullPath(), "panic", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	r.POST("/webhooks/:platform/:bot", func(c *gin.Context) {
		h, ok := o.Webhooks[c.Param("platform")+"/"+c.Param("bot")]
		if !ok {
			c.String(http.StatusNotFound, "no such bot\n")
			return
		}
		h.ServeHTTP(c.Writer, c.Request)
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
	if o.AdminToken != "" && o.Reload != nil {
		admin := r.Group("/admin", bearer(o.AdminToken, o.Log))
		admin.POST("/reload", func(c *gin.Context) {
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
	return r
}

// bearer admits requests carrying "Authorization: Bearer <token>". Both sides
// are hashed first so the comparison takes the same time whatever the
// lengths.
func bearer(token string, log *slog.Logger) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		scheme, got, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			log.Warn("admin: request without a valid bearer token", "path", c.Request.URL.Path, "remote", c.Request.RemoteAddr)
			c.Header("WWW-Authenticate", "Bearer")
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"status": "error", "errors": []string{"missing or wrong bearer token"}})
			return
		}
		c.Next()
	}
}
