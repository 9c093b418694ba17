// Package app wires frontdesk together: the store, the rules, the platform
// bots, the pipeline and the HTTP server. It has New, Start and Stop so the
// whole service can run inside a test on 127.0.0.1:0.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/frontdesk-bot/frontdesk/bots/discord"
	"github.com/frontdesk-bot/frontdesk/bots/sandbox"
	"github.com/frontdesk-bot/frontdesk/bots/telegram"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/dashboard"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/internal/httpapi"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/redact"
	"github.com/frontdesk-bot/frontdesk/internal/report"
	"github.com/frontdesk-bot/frontdesk/internal/spike"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/teamhook"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// Options are what a caller (main or a test) adds to the config.
type Options struct {
	Log *slog.Logger
	// Now is the clock the pipeline decides with; nil means time.Now.
	Now func() time.Time
	// PollInterval overrides how often idle workers look for work.
	PollInterval time.Duration
	// Limits overrides the platforms' send limits (tests against a fake
	// platform with scaled limits; a local Bot API server without limits).
	Limits map[chat.Platform]pipeline.Limits
	// AcceptTimeout bounds storing one incoming event (5s).
	AcceptTimeout time.Duration
}

// App is one running frontdesk.
type App struct {
	cfg *config.Config
	// fetchers download the files each bot received, to send them on
	// through another bot or platform.
	fetchers map[string]pipeline.MediaFetcher
	now      func() time.Time // nil: time.Now
	// sandbox is the web chat, when on; generatedToken guards the pages
	// when no admin_token is configured.
	sandbox        *sandbox.Sandbox
	generatedToken string
	log            *slog.Logger
	store          *store.Store
	rules          liveRules
	embeddings     *embeddings // nil: no embeddings endpoint configured
	pipe           *pipeline.Pipeline

	metrics    *prometheus.Registry
	rulesState *rulesState
	watcher    *rulesWatcher

	server   *http.Server
	listener net.Listener
	pollers  []*telegram.Poller
	gateways []*discord.Receiver
	webhooks []webhookRegistration
	// commandBots are the Telegram bots whose commands are listed for
	// autocompletion; commands remembers what they were last sent.
	commandBots []commandRegistration
	usernames   usernames
	commands    commandState

	cancelPollers context.CancelFunc
	pollersDone   sync.WaitGroup
	stopOnce      sync.Once
	// draining is set when Stop begins: webhooks and /readyz answer 503.
	draining atomic.Bool
}

type webhookRegistration struct {
	bot    config.Bot
	client interface {
		SetWebhook(ctx context.Context, url, secret string) error
	}
}

// New opens the database, loads the rules and prepares every configured bot.
// Nothing listens or runs until Start.
func New(ctx context.Context, cfg *config.Config, opt Options) (*App, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	secrets := redact.New(cfg.Secrets()...)
	log = slog.New(httpapi.WithRequestIDs(secrets.Handler(log.Handler())))
	r, err := rules.Load(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if opt.Now != nil {
		// The store stamps arrivals with it: deciding compares those
		// stamps with its own time (an agent's reply to a notice still
		// being recorded is waited for only so long after it arrived).
		st.Now = opt.Now
	}
	a := &App{cfg: cfg, log: log, store: st, metrics: prometheus.NewRegistry(), now: opt.Now, fetchers: map[string]pipeline.MediaFetcher{}}
	a.metrics.MustRegister(newOutboxCollector(st.Depth))
	a.metrics.MustRegister(dbWorkMetrics(st.Work)...)
	a.rules.p.Store(r)
	a.rules.overBudget = newOverBudget(a.metrics, log)
	a.embeddings = newEmbeddings(cfg.Matching.Embeddings, a.metrics, log)
	a.rules.embeddings = a.embeddings
	a.rulesState = newRulesState(a.metrics)
	a.rulesState.succeeded(time.Now(), r.Len(), true)
	a.logWarnings(r)

	senders := map[string]pipeline.Sender{}
	webhooks := map[string]http.Handler{}
	var polling []config.Bot
	inbox := &wakingInbox{store: st, timeout: cmp.Or(opt.AcceptTimeout, 5*time.Second)}
	for _, b := range cfg.Bots {
		if b.Token == "" {
			log.Info("bot skipped: no token configured", "bot", b.Name, "platform", b.Platform)
			continue
		}
		if b.Platform == "discord" {
			if err := a.prepareDiscord(cfg, b, inbox, senders, webhooks); err != nil {
				st.Close()
				return nil, fmt.Errorf("bot %q: %w", b.Name, err)
			}
			continue
		}
		client, err := telegram.NewClient(b.Token, b.APIURL, func(err error) {
			log.Warn("telegram client error", "bot", b.Name, "err", err)
		})
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("bot %q: %w", b.Name, err)
		}
		senders[pipeline.SenderKey(chat.Telegram, b.Name)] = telegram.NewSender(client)
		a.fetchers[pipeline.SenderKey(chat.Telegram, b.Name)] = telegram.NewFetcher(client, a.downloads())
		switch b.Mode {
		case config.ModeWebhook:
			webhooks["telegram/"+b.Name] = telegram.NewWebhook(b.Name, b.WebhookSecret, inbox, log)
			if b.WebhookURL != "" {
				a.webhooks = append(a.webhooks, webhookRegistration{bot: b, client: telegram.NewAdmin(client)})
			}
		case config.ModePolling:
			polling = append(polling, b)
			a.webhooks = append(a.webhooks, webhookRegistration{bot: b, client: telegram.NewAdmin(client)})
		}
		a.commandBots = append(a.commandBots, commandRegistration{bot: b.Name, chats: teamChatsOf(cfg, b.Name), client: telegram.NewAdmin(client)})
		a.usernames.add(b.Name, b.Username, telegram.NewAdmin(client))
		log.Info("bot ready", "bot", b.Name, "platform", b.Platform, "mode", b.Mode)
	}
	teams, err := teamsFrom(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	var observer pipeline.Observer = newPipelineMetrics(a.metrics)
	pages := map[string]http.Handler{
		"/dashboard": dashboard.New(func(ctx context.Context, since, until time.Time) (report.Report, error) {
			// The live rules, so clusters of unanswered messages name the
			// rule that should have answered them.
			return report.BuildWith(ctx, st, since, until, report.Options{Rules: a.rules.p.Load()})
		}, a.clock(), log).WithSpam(func(ctx context.Context, since, until time.Time) (report.SpamReview, error) {
			return report.BuildSpam(ctx, st, since, until, dashboardSpam)
		}, func(ctx context.Context, id int64) error {
			_, err := a.ReleaseSpam(ctx, id, "dashboard")
			return err
		}),
	}
	if cfg.SandboxOn() {
		// The sandbox's customers and its agent pane are one more platform
		// and one more team, so they go through the real pipeline.
		a.sandbox = sandbox.New(inbox, sandboxPreview{a}, a.clock())
		a.sandbox.WatchRules(a.sandboxRules)
		a.sandbox.WatchCatalog(a.sandboxCatalog)
		senders[pipeline.SenderKey(chat.Sandbox, sandbox.Bot)] = a.sandbox
		teams = append(teams, pipeline.Team{Name: "sandbox", Platform: chat.Sandbox, Bot: sandbox.Bot,
			ChatID: sandbox.AgentsChat, Customers: chat.Sandbox})
		observer = sandboxObserver{Observer: observer, sandbox: a.sandbox}
		pages["/sandbox"] = a.sandbox
	}
	for _, t := range cfg.Handoff.Teams {
		if t.Webhook.URL != "" {
			senders[pipeline.SenderKey(chat.Webhook, t.Name)] = teamhook.NewSender(t.Webhook.URL, []byte(t.Webhook.Secret))
		}
		if t.DiscordWebhookURL != "" {
			senders[pipeline.SenderKey(chat.DiscordWebhook, t.Name)] = discord.NewChannelWebhook(t.DiscordWebhookURL)
		}
	}
	a.pipe = pipeline.New(pipeline.Config{
		Workers:           cfg.Pipeline.Workers,
		Batch:             cfg.Pipeline.Batch,
		Senders:           cfg.Pipeline.Senders,
		ConversationIdle:  time.Duration(cfg.Pipeline.ConversationIdle),
		SendAttempts:      cfg.Pipeline.SendAttempts,
		EventAttempts:     cfg.Pipeline.EventAttempts,
		PollInterval:      opt.PollInterval,
		Guard:             guardConfig(cfg.Guard),
		Limits:            limits(cfg, opt),
		Lease:             time.Duration(cfg.Pipeline.Lease),
		SendTimeout:       time.Duration(cfg.Pipeline.SendTimeout),
		Redact:            secrets.String,
		Observer:          observer,
		Teams:             teams,
		Supervisors:       cfg.Handoff.Supervisors,
		AgentNames:        cfg.Handoff.Agents,
		FallbackTeam:      cfg.Handoff.FallbackTeam,
		Username:          a.usernames.get,
		PublicLinkTTL:     time.Duration(cfg.Handoff.PublicLinkTTL),
		Matrix:            matrix(cfg.Handoff),
		HandoffIdle:       time.Duration(cfg.Handoff.IdleTimeout),
		IncidentThreshold: cfg.Handoff.Incidents.Threshold,
		IncidentWindow:    time.Duration(cfg.Handoff.Incidents.Window),
		ContextMessages:   cfg.Handoff.ContextMessages,
		Spikes: spike.Config{Weeks: cfg.Handoff.Spikes.Weeks, MinCount: cfg.Handoff.Spikes.MinCount,
			Sigmas: cfg.Handoff.Spikes.Sigmas},
		SpikeEvery: time.Duration(cfg.Handoff.Spikes.Every),
		Media: pipeline.MediaConfig{MaxBytes: cfg.Media.MaxBytes, Timeout: time.Duration(cfg.Media.Timeout),
			AlbumWait: time.Duration(cfg.Media.AlbumWait), Fetchers: a.fetchers},
	}, st, &a.rules, senders, opt.Now, log)
	inbox.pipe = a.pipe
	for _, b := range polling {
		a.pollers = append(a.pollers, telegram.NewPoller(b.Name, b.Token, b.APIURL, inbox, log))
	}
	router, err := httpapi.New(httpapi.Options{
		Webhooks: webhooks,
		DB:       st,
		Ready:    a.readiness,
		Metrics: promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}),
		AdminToken: cfg.AdminToken,
		Reload:     a.adminReload,
		Outbox: func(ctx context.Context, state string, limit int) (any, error) {
			return st.OutboxEntries(ctx, state, limit)
		},
		RetryOutbox: func(ctx context.Context, ids []int64) (int64, error) {
			requeued, err := st.RetryDeadLetters(ctx, ids, a.clock()())
			return int64(len(requeued)), err
		},
		Handoffs: func(ctx context.Context, limit int) (any, error) {
			return st.OpenHandoffs(ctx, limit)
		},
		API:            a.api(inbox),
		Pages:          pages,
		PageToken:      a.pageToken(),
		TrustedProxies: cfg.TrustedProxies,
		ObserveWebhook: a.webhookMetrics(),
		Draining:       a.draining.Load,
		Log:            log,
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	a.server = &http.Server{
		Handler: router,
		// Slow or stalled clients must not hold connections forever.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// teamsFrom turns the configured teams into the pipeline's, parsing their hours.
func teamsFrom(cfg *config.Config) ([]pipeline.Team, error) {
	var out []pipeline.Team
	for _, t := range cfg.Handoff.Teams {
		hours, err := handoff.ParseHours(t.Hours, t.Timezone, t.Holidays)
		if err != nil {
			return nil, fmt.Errorf("%s: handoff team %q: %w", cfg.Path, t.Name, err)
		}
		platform := chat.Telegram
		for _, b := range cfg.Bots {
			if b.Name == t.Bot {
				platform = chat.Platform(b.Platform)
			}
		}
		var tiers []string
		for _, c := range t.Escalation {
			tiers = append(tiers, string(c))
		}
		out = append(out, pipeline.Team{Name: t.Name, Platform: platform, Bot: t.Bot, ChatID: string(t.ChatID), Hours: hours,
			Escalation: tiers, Every: time.Duration(t.EscalateEvery), Webhook: t.Webhook.URL != "",
			ChannelWebhook: t.DiscordWebhookURL != "", Language: cmp.Or(t.Language, first(t.Languages)), Languages: t.Languages,
			OverflowAfter: time.Duration(t.Overflow.After), OverflowTo: t.Overflow.To})
	}
	return out, nil
}

func matrix(h config.Handoff) handoff.Matrix {
	d := func(k string) time.Duration { return time.Duration(h.Priorities[k]) }
	return handoff.Matrix{Critical: d("critical"), High: d("high"), Medium: d("medium"), Low: d("low")}
}

func guardConfig(g config.Guard) guard.Config {
	out := guard.Config{
		ContentCooldown: time.Duration(g.ContentCooldown),
		RuleCooldown:    time.Duration(g.RuleCooldown),
		PerMessage:      g.PerMessage,
		PerHour:         g.PerHour,
		Margin:          time.Duration(g.WindowMargin),
		Debounce:        time.Duration(g.Debounce),
		PersonQuiet:     time.Duration(g.PersonQuiet),
	}
	if len(g.Window) > 0 {
		out.Window = map[chat.Platform]time.Duration{}
		for p, d := range g.Window {
			out.Window[chat.Platform(p)] = time.Duration(d)
		}
	}
	return out
}

// Start listens on the configured address and starts the pipeline and the
// bots' receivers.
func (a *App) Start(ctx context.Context) error {
	if err := a.store.TakeOver(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Listen, err)
	}
	a.listener = ln
	go func() {
		if err := a.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	a.pipe.Start()
	a.embeddings.adopt(a.rules.p.Load(), a.rules.p.Load)
	pollCtx, cancel := context.WithCancel(context.Background())
	a.cancelPollers = cancel
	a.registerWebhooks(ctx)
	// In the background: autocompletion is a convenience, and a platform
	// that does not answer must not hold up the start.
	a.pollersDone.Add(1)
	go func() {
		defer a.pollersDone.Done()
		a.learnUsernames(pollCtx)
		a.registerCommands(pollCtx)
	}()
	// Long polling and gateway connections run on one replica at a time:
	// two getUpdates loops for one bot make Telegram refuse both, and two
	// gateway connections would store every message twice over.
	for _, p := range a.pollers {
		a.pollersDone.Add(1)
		go func() {
			defer a.pollersDone.Done()
			_ = a.store.Singleton(pollCtx, "telegram-polling/"+p.Bot(), func(ctx context.Context) error {
				p.Run(ctx)
				return nil
			})
		}()
	}
	for _, g := range a.gateways {
		a.pollersDone.Add(1)
		go func() {
			defer a.pollersDone.Done()
			// A refused bot stops alone; the other bots and the
			// interactions endpoint keep working.
			if err := a.store.Singleton(pollCtx, "discord-gateway/"+g.Bot(), g.Run); err != nil {
				a.log.Error("discord gateway stopped for good; fix the config and restart", "err", err)
			}
		}()
	}
	a.pollersDone.Add(1)
	go func() {
		defer a.pollersDone.Done()
		a.pruneLoop(pollCtx)
	}()
	if a.sandbox != nil {
		a.pollersDone.Add(1)
		go func() {
			defer a.pollersDone.Done()
			a.erasureLoop(pollCtx)
		}()
	}
	if a.cfg.RulesWatch {
		a.watcher = a.watchRules()
	}
	a.log.Info("frontdesk listening", "addr", ln.Addr().String(), "database", config.RedactDatabase(a.cfg.Database), "rules", a.cfg.Rules)
	if a.sandbox != nil {
		url := "http://" + browsable(ln.Addr()) + "/sandbox/"
		if a.cfg.AdminToken == "" {
			// A token made for this run: a newcomer can click the line.
			url += "?token=" + a.generatedToken
		} else {
			url += "?token=<admin_token>"
		}
		a.log.Info("try the bot in your browser: the sandbox chats with it as a customer and lets you answer as an agent", "url", url)
	}
	if a.sandbox != nil || a.cfg.AdminToken != "" {
		// The same token opens the dashboard (see pageToken).
		url := "http://" + browsable(ln.Addr()) + "/dashboard?since=7d&token="
		if a.cfg.AdminToken == "" {
			url += a.generatedToken
		} else {
			url += "<admin_token>"
		}
		a.log.Info("the reports as charts: the dashboard", "url", url)
	}
	return nil
}

// pageToken guards the dashboard and the sandbox: the admin token, or,
// when none is configured but the sandbox is on, a token made for this
// setup and shown at start, so the sandbox is never open to anyone who
// finds the port. With SQLite the made token is kept beside the database
// and used again at the next start: a new token at every start ended the
// sessions of the pages left open, which then failed until reopened with
// the new address.
func (a *App) pageToken() string {
	if a.cfg.AdminToken != "" || a.sandbox == nil {
		return a.cfg.AdminToken
	}
	path := pageTokenFile(a.cfg.Database)
	if path != "" {
		if b, err := os.ReadFile(path); err == nil && validPageToken(strings.TrimSpace(string(b))) {
			a.generatedToken = strings.TrimSpace(string(b))
			return a.generatedToken
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	a.generatedToken = hex.EncodeToString(b[:])
	if path != "" {
		// Readable by the owner only, like the database beside it.
		if err := os.WriteFile(path, []byte(a.generatedToken+"\n"), 0o600); err != nil {
			a.log.Warn("the sandbox's token is for this run only: it could not be kept for the next", "file", path, "err", err)
		}
	}
	return a.generatedToken
}

// pageTokenFile is where the page token made for a SQLite database is
// kept ("" for PostgreSQL or an in-memory database: made for each run).
func pageTokenFile(database string) string {
	driver, source, err := config.SplitDatabase(database)
	if err != nil || driver != "sqlite" || strings.HasPrefix(source, "file:") || strings.Contains(source, ":memory:") {
		return ""
	}
	source, _, _ = strings.Cut(source, "?")
	return source + ".page-token"
}

// validPageToken: what pageToken makes, 32 hex digits; anything else in
// the file is replaced.
func validPageToken(t string) bool {
	b, err := hex.DecodeString(t)
	return err == nil && len(b) == 16
}

// browsable is a listening address as a browser on this machine reaches
// it: "localhost" for an address on every interface.
func browsable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// sandboxRules tells the sandbox page how the last load of the rules went,
// in the words of /readyz, so it never says "live" over a refused reload.
func (a *App) sandboxRules() sandbox.RulesStatus {
	st := a.rulesState.get()
	out := sandbox.RulesStatus{OK: st.OK, Count: st.Count, Version: rulesVersion(st)}
	if !st.OK {
		_, detail := a.rulesReadiness()
		out.Error = detail["rules"]
	}
	return out
}

// sandboxPreview decides the sandbox's previews with the running
// pipeline's deciding (its live rules, guard and teams) on an in-memory
// world, as `frontdesk try` does: a preview never touches the database.
type sandboxPreview struct{ a *App }

func (p sandboxPreview) Preview(ctx context.Context, history []chat.Event, ev chat.Event) (chat.Plan, error) {
	plans, err := playInMemory(ctx, p.a.pipe, append(slices.Clip(history), ev))
	if err != nil {
		return chat.Plan{}, fmt.Errorf("preview: %w", err)
	}
	return plans[len(plans)-1], nil
}

// sandboxObserver also tells the sandbox why each of its messages was
// answered as it was.
type sandboxObserver struct {
	pipeline.Observer
	sandbox *sandbox.Sandbox
}

func (o sandboxObserver) Decided(ev chat.Event, plan chat.Plan) {
	o.Observer.Decided(ev, plan)
	o.sandbox.Decided(ev, plan)
}

// registerWebhooks points Telegram at our URL (webhook mode with
// webhook_url) or removes a webhook so getUpdates works (polling mode). A
// failure is logged, not fatal: Telegram may be unreachable right now.
func (a *App) registerWebhooks(ctx context.Context) {
	for _, w := range a.webhooks {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		url, secret := w.bot.WebhookURL, w.bot.WebhookSecret
		if w.bot.Mode == config.ModePolling {
			url, secret = "", ""
		}
		if err := w.client.SetWebhook(c, url, secret); err != nil {
			a.log.Warn("telegram: could not set webhook", "bot", w.bot.Name, "mode", w.bot.Mode, "err", err)
		}
		cancel()
	}
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

// Stop shuts down gracefully: webhooks and /readyz answer 503 for
// shutdown_drain (the platforms retry elsewhere while the load balancer
// learns this replica is going), then no new requests, in-flight requests
// and sends finish until ctx ends, unfinished work is left for the next
// start. The drain counts against ctx too.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	a.stopOnce.Do(func() {
		a.draining.Store(true)
		if d := time.Duration(a.cfg.ShutdownDrain); d > 0 {
			a.log.Info("draining: webhooks answer 503 until the listener closes", "for", d)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		if a.watcher != nil {
			if err := a.watcher.close(); err != nil {
				errs = append(errs, fmt.Errorf("rules watch: %w", err))
			}
		}
		if err := a.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if a.cancelPollers != nil {
			a.cancelPollers()
		}
		a.pollersDone.Wait()
		if err := a.pipe.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("pipeline stop: %w", err))
		}
		a.embeddings.close()
		if err := a.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	})
	return errors.Join(errs...)
}

// clock is the time source the app was given, or the real one.
func (a *App) clock() func() time.Time {
	if a.now != nil {
		return a.now
	}
	return time.Now
}

// Close releases what New opened, for an App that was never started.
func (a *App) Close() error { return a.store.Close() }

// Store is the app's database, for tests and tools.
func (a *App) Store() *store.Store { return a.store }

// Metrics is the app's Prometheus registry, served at GET /metrics. It is
// the app's own (not the global default), so several apps can run in one
// process; register further collectors here.
func (a *App) Metrics() *prometheus.Registry { return a.metrics }

// liveRules lets the pipeline always decide with the latest good rules; a
// reload swaps the pointer, so no message sees half-loaded rules.
type liveRules struct {
	p atomic.Pointer[rules.Rules]
	// overBudget is told of each rule skipped because its `when` ran out
	// of its budget; nil in apps built without New.
	overBudget func(ev chat.Event, s rules.Step)
	embeddings *embeddings // nil: none configured
}

// Prepare fetches what deciding a batch will read that is not in the
// rules themselves: the messages' embeddings, when configured.
func (l *liveRules) Prepare(ctx context.Context, events []chat.InboxEvent) {
	l.embeddings.prepare(ctx, events)
}

// HandoffTeam is the team the rule hands off to in the rules now loaded,
// which a spike of the rule alerts.
func (l *liveRules) HandoffTeam(rule string) string { return l.p.Load().HandoffTeam(rule) }

// Snippet and SnippetNames give agents the snippets of the rules now
// loaded (pipeline.Snippets), so a reload changes them at once.
func (l *liveRules) Snippet(name, lang string, vars map[string]string) (string, bool) {
	return l.p.Load().Snippet(name, lang, vars)
}

func (l *liveRules) SnippetNames() []string { return l.p.Load().SnippetNames() }

// Notice, YesNo and CSAT give the customer's notices and the rating
// question of the rules now loaded (pipeline.Notices).
func (l *liveRules) Notice(kind chat.CustomerNotice, lang string, vars map[string]string) string {
	return l.p.Load().Notice(kind, lang, vars)
}

func (l *liveRules) YesNo(lang string, vars map[string]string) (string, string) {
	return l.p.Load().YesNo(lang, vars)
}

func (l *liveRules) CSAT() rules.CSAT { return l.p.Load().CSAT() }

func (l *liveRules) Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision {
	d := l.p.Load().Decide(ev, st, now)
	if l.overBudget != nil {
		for _, s := range d.OverBudget() {
			l.overBudget(ev, s)
		}
	}
	return d
}

// wakingInbox stores an event and then nudges the pipeline, so a message is
// decided at once instead of at the next poll.
type wakingInbox struct {
	store   *store.Store
	pipe    *pipeline.Pipeline
	timeout time.Duration
}

// Accept stores an event within the timeout: a locked or unreachable
// database answers "try later" quickly instead of holding the platform's
// request, which it would retry anyway.
func (w *wakingInbox) Accept(ctx context.Context, ev chat.Event) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	if err := w.store.Accept(ctx, ev); err != nil {
		return err
	}
	w.pipe.Accepted()
	return nil
}

// CheckConfig validates what New would refuse beyond the config's own
// checks (team hours, time zones), for frontdesk check.
func CheckConfig(cfg *config.Config) error {
	_, err := teamsFrom(cfg)
	return err
}

// Discord deduplicates a repeated send (its enforced nonce), so the
// pipeline may repeat a send Discord did not answer in time.
var _ pipeline.Deduplicator = (*discord.Sender)(nil)

// prepareDiscord sets up a Discord bot: its sender, its gateway receiver
// (started by Start) and, with a public key, its interactions endpoint.
func (a *App) prepareDiscord(cfg *config.Config, b config.Bot, inbox *wakingInbox, senders map[string]pipeline.Sender, webhooks map[string]http.Handler) error {
	session, err := discord.NewSession(b.Token, b.APIURL)
	if err != nil {
		return err
	}
	threads := &discord.Threads{}
	senders[pipeline.SenderKey(chat.Discord, b.Name)] = discord.NewSender(session, threads)
	a.fetchers[pipeline.SenderKey(chat.Discord, b.Name)] = discord.NewFetcher(a.downloads())
	listen := discord.Listen{}
	for _, ch := range b.Channels {
		listen[string(ch.ID)] = ch.Messages
	}
	for _, t := range cfg.Handoff.Teams {
		if t.Bot == b.Name {
			// Agents' channels: every message there (and in its threads) matters.
			listen[string(t.ChatID)] = "all"
			for _, c := range t.Escalation {
				listen[string(c)] = "all"
			}
		}
	}
	receiver := discord.NewReceiver(b.Name, session, inbox, listen, threads, a.log)
	receiver.SetAgentCommands(toDiscord(pipeline.AgentCommands()), teamChatsOf(cfg, b.Name))
	staff := make([]string, len(b.StaffRoles))
	for i, r := range b.StaffRoles {
		staff[i] = string(r)
	}
	receiver.SetStaff(discord.NewStaff(staff))
	a.gateways = append(a.gateways, receiver)
	if b.PublicKey != "" {
		key, err := discord.ParsePublicKey(b.PublicKey)
		if err != nil {
			return err
		}
		webhooks["discord/"+b.Name] = discord.NewInteractions(b.Name, key, inbox, a.log, discord.WithThreads(threads))
	}
	a.log.Info("bot ready", "bot", b.Name, "platform", b.Platform, "mode", b.Mode, "interactions", b.PublicKey != "")
	return nil
}

// OpenStore opens (and migrates) the database the config names.
func OpenStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	driver, source, err := config.SplitDatabase(cfg.Database)
	if err != nil {
		return nil, err
	}
	if driver == "postgres" {
		return store.OpenPostgres(ctx, source, store.Options{})
	}
	return store.OpenSQLite(ctx, source, store.Options{})
}

// erasureEvery is how often the sandbox checks for customers forgotten by
// `frontdesk forget` (another process), to drop its copies of them.
const erasureEvery = 2 * time.Second

// erasureLoop drops from the sandbox's memory the customers forgotten
// while it runs: `frontdesk forget` erases the database and logs the
// erasure, and this reads the log.
func (a *App) erasureLoop(ctx context.Context) {
	after, err := a.store.LastErasure(ctx)
	for err != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(erasureEvery):
		}
		after, err = a.store.LastErasure(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(erasureEvery):
		}
		erased, err := a.store.ErasuresAfter(ctx, after, 100)
		if err != nil {
			continue // the database is away; the log waits
		}
		for _, e := range erased {
			if n := a.sandbox.ForgetCustomer(e.Subject); n > 0 {
				a.log.Info("sandbox dropped a forgotten customer's conversation", "conversations", n)
			}
			after = e.ID
		}
	}
}

// pruneLoop removes what the retention no longer keeps, a minute after
// start and then hourly. Every replica may run it: its deletes are
// conditional.
func (a *App) pruneLoop(ctx context.Context) {
	r := store.Retention{Payloads: time.Duration(a.cfg.Retention.Payloads), History: time.Duration(a.cfg.Retention.History)}
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = time.Hour
		p, err := a.store.Prune(ctx, time.Now(), r)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("pruning old data failed; will try again in an hour", "err", err)
		case p != (store.Pruned{}):
			a.log.Info("pruned old data", "events", p.Events, "payloads", p.Payloads, "messages", p.Messages, "sends", p.Sends,
				"conversations", p.Conversations, "customers", p.Customers, "handoffs", p.Handoffs, "spikes", p.Spikes)
		}
	}
}

// limits are the platforms' send limits the sender keeps to: the caller's,
// none when the config turns pacing off, else the defaults.
func limits(cfg *config.Config, opt Options) map[chat.Platform]pipeline.Limits {
	if opt.Limits != nil {
		return opt.Limits
	}
	if r := cfg.Pipeline.RateLimits; r != nil && !*r {
		return map[chat.Platform]pipeline.Limits{}
	}
	return nil
}

// readiness adds the rules and the pipeline to /readyz. The pipeline
// makes the replica unready while it cannot make progress: a batch stuck,
// or writes failing (see pipeline.Pipeline.Health); it is ready again by
// itself once work goes on.
func (a *App) readiness() (bool, map[string]string) {
	ok, detail := a.rulesReadiness()
	progress, why := a.pipe.Health(a.clock()())
	detail["pipeline"] = why
	return ok && progress, detail
}

// CreateAPIToken stores a new named API token and returns its secret, to
// be shown once: only its hash is kept. It writes the database directly,
// so it works whether or not a server is running.
func CreateAPIToken(ctx context.Context, st *store.Store, name string, scope chat.Scope, now time.Time) (string, error) {
	if !httpapi.ValidTokenName(name) {
		return "", fmt.Errorf("token name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	if !scope.Valid() {
		return "", fmt.Errorf("token scope %q: want read, agent or admin", scope)
	}
	token, hash, err := httpapi.NewAPIToken()
	if err != nil {
		return "", err
	}
	if err := st.CreateAPIToken(ctx, chat.APIToken{Name: name, Scope: scope, Hash: hash}, now); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			return "", fmt.Errorf("a live token is named %q already: revoke it first, or choose another name", name)
		}
		return "", err
	}
	return token, nil
}

// downloads is the HTTP client of media downloads: every one ends within
// media.timeout, whatever the caller's context says.
func (a *App) downloads() *http.Client {
	return &http.Client{Timeout: time.Duration(a.cfg.Media.Timeout)}
}

// first is a list's first element, or "" when it is empty: a team's
// notices speak its first language unless it names one.
func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}
