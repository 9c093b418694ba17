package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/embed"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// embeddings connects the rules to an embeddings endpoint, when the config
// names one: each rules file's examples are fetched in the background
// (retried until they arrive, then the rules switch to comparing by
// meaning), and each batch's messages just before it is decided, within
// the configured budget. Until then, and for a message whose vector is
// late, the rules compare by n-grams: the endpoint can slow a batch by its
// budget at most and can never stop one.
type embeddings struct {
	client   *embed.Client
	min      float64
	log      *slog.Logger
	ctx      context.Context // ends when the app stops
	stop     context.CancelFunc
	failures *prometheus.CounterVec
	ready    prometheus.Gauge
	lastLog  atomic.Int64 // unix seconds of the last failure logged
}

func newEmbeddings(cfg config.Embeddings, reg prometheus.Registerer, log *slog.Logger) *embeddings {
	if cfg.URL == "" {
		return nil
	}
	ctx, stop := context.WithCancel(context.Background())
	e := &embeddings{
		client: embed.New(embed.Config{URL: cfg.URL, Model: cfg.Model, APIKey: cfg.APIKey, Budget: time.Duration(cfg.Budget)}),
		min:    cfg.MinSimilarity, log: log, ctx: ctx, stop: stop,
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_embeddings_failures_total",
			Help: "Calls to the embeddings endpoint that failed or ran out of their budget, by what they fetched (examples, messages).",
		}, []string{"fetching"}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frontdesk_embeddings_ready",
			Help: "1 when the current rules compare examples by meaning, 0 while their examples' vectors are still being fetched.",
		}),
	}
	reg.MustRegister(e.failures, e.ready)
	return e
}

// adopt fetches the examples of r, a newly loaded rules file, and switches
// r to comparing by meaning once they are all here. It gives up when r is
// no longer the current rules or the app stops.
func (e *embeddings) adopt(r *rules.Rules, current func() *rules.Rules) {
	if e == nil {
		return
	}
	texts := r.ExampleTexts()
	if len(texts) == 0 {
		e.ready.Set(1)
		return
	}
	e.ready.Set(0)
	go func() {
		for wait := time.Second; current() == r; wait = min(2*wait, time.Minute) {
			err := e.client.Pin(e.ctx, texts)
			if err == nil {
				err = r.UseEmbeddings(e.client, e.min)
			}
			if err == nil {
				e.ready.Set(1)
				e.log.Info("rules compare examples by meaning", "examples", len(texts))
				return
			}
			e.failed("examples", err)
			select {
			case <-e.ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
}

// prepare fetches the vectors of a batch's messages before they are decided.
func (e *embeddings) prepare(ctx context.Context, events []chat.InboxEvent) {
	if e == nil {
		return
	}
	texts := make([]string, 0, len(events))
	for _, ie := range events {
		if ie.Event.Text != "" && ie.Event.Kind == chat.KindText {
			texts = append(texts, ie.Event.Text)
		}
	}
	if err := e.client.Warm(ctx, texts); err != nil {
		e.failed("messages", err)
	}
}

// failed counts a failure and logs at most one a minute: an endpoint that
// is down fails every batch. The error names the endpoint and the status,
// never a text.
func (e *embeddings) failed(fetching string, err error) {
	e.failures.WithLabelValues(fetching).Inc()
	now, last := time.Now().Unix(), e.lastLog.Load()
	if now-last >= 60 && e.lastLog.CompareAndSwap(last, now) {
		e.log.Warn("embeddings endpoint failed; examples are compared by n-grams meanwhile", "fetching", fetching, "err", err)
	}
}

func (e *embeddings) close() {
	if e != nil {
		e.stop()
	}
}

// CompareByMeaning fetches, at once and without a per-batch budget, the
// vectors of r's examples and of texts, then switches r to comparing by
// meaning: for `check --cases`, which measures the rules as the service
// would decide with the endpoint answering in time. Nothing to do when the
// config names no endpoint.
func CompareByMeaning(ctx context.Context, r *rules.Rules, cfg config.Embeddings, texts []string) error {
	if cfg.URL == "" {
		return nil
	}
	c := embed.New(embed.Config{URL: cfg.URL, Model: cfg.Model, APIKey: cfg.APIKey, Budget: time.Minute})
	if err := c.Pin(ctx, r.ExampleTexts()); err != nil {
		return err
	}
	if err := c.Warm(ctx, texts); err != nil {
		return err
	}
	return r.UseEmbeddings(c, cfg.MinSimilarity)
}
