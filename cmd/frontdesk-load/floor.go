package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// measureFloor runs the same load against a gin handler that only reads the
// body and answers 200, in this process: the most a webhook on this machine
// and this generator can do, so ingest_ratio tells what storing an update
// costs on top.
func measureFloor(ctx context.Context, o options, stderr io.Writer) (float64, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/webhooks/telegram/shop", func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body) // a broken client is the load's own problem
		c.Status(http.StatusOK)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "floor: %v\n", err)
		}
	}()
	defer srv.Close()

	fmt.Fprintf(stderr, "floor: %s against a bare gin handler\n", o.duration)
	began := time.Now()
	led := newLedger(began, false)
	updateBase, chatBase := idBases(false)
	l := &load{
		targets: newTargets([]string{webhookURL(ln.Addr().String())}), secret: "floor",
		rate: o.rate, posters: o.concurrency, duration: o.duration,
		client: newClient(max(o.concurrency, maxPosters)), ledger: led,
		gen: newWorkload(o.seed, o.customers, updateBase, chatBase),
	}
	stop := progress(stderr, "floor", began, led, nil, nil)
	l.run(ctx)
	stop()
	if ctx.Err() != nil {
		return 0, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	t := led.close()
	if t.errors > 0 {
		return 0, fmt.Errorf("floor: %d of %d posts to a bare handler failed", t.errors, t.posted)
	}
	perSec := perSec(int(t.accepted), t.acceptWindow)
	fmt.Fprintf(stderr, "floor: %.0f updates/s accepted\n", perSec)
	return perSec, nil
}
