// Package httpapi is frontdesk's HTTP surface: platform webhooks, health and
// readiness. Platform adapters hand it plain http.Handlers; it knows nothing
// of their protocols.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
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
	Log   *slog.Logger
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
	return r
}
