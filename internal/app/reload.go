package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/rules"
)

// rulesDebounce is how long the rules file must be quiet before a change is
// loaded: editors write in bursts (truncate, write, rename, chmod).
const rulesDebounce = 250 * time.Millisecond

// RulesStatus is the outcome of the last attempt to load the rules.
type RulesStatus struct {
	// Attempt is when the rules were last loaded or reloaded.
	Attempt time.Time
	// OK is false when the last attempt was refused; the previous rules
	// then keep running.
	OK bool
	// Err says why the last attempt was refused; nil when OK.
	Err error
	// LastSuccess is when the running rules were loaded.
	LastSuccess time.Time
	// Count is the number of rules running now.
	Count int
}

// rulesState serializes reloads and remembers how the last one went.
type rulesState struct {
	reloadMu sync.Mutex // one load at a time, so an older file never replaces a newer one

	mu     sync.Mutex
	status RulesStatus

	success  prometheus.Gauge
	reloads  *prometheus.CounterVec
	lastGood prometheus.Gauge
	loaded   prometheus.Gauge
}

func newRulesState(reg prometheus.Registerer) *rulesState {
	s := &rulesState{
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frontdesk_rules_reload_success",
			Help: "Whether the last rules (re)load succeeded (1) or was refused and the previous rules kept running (0).",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_rules_reload_total",
			Help: "Rules reloads after start (file watch, SIGHUP, admin API), by result.",
		}, []string{"result"}),
		lastGood: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frontdesk_rules_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful rules load.",
		}),
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frontdesk_rules_loaded",
			Help: "Number of rules running now.",
		}),
	}
	// Both series exist from the start, so rate() and alerts see a 0.
	s.reloads.WithLabelValues("success")
	s.reloads.WithLabelValues("failure")
	reg.MustRegister(s.success, s.reloads, s.lastGood, s.loaded)
	return s
}

func (s *rulesState) succeeded(at time.Time, count int, initial bool) {
	s.mu.Lock()
	s.status = RulesStatus{Attempt: at, OK: true, LastSuccess: at, Count: count}
	s.mu.Unlock()
	s.success.Set(1)
	s.lastGood.Set(float64(at.UnixNano()) / 1e9)
	s.loaded.Set(float64(count))
	if !initial {
		s.reloads.WithLabelValues("success").Inc()
	}
}

func (s *rulesState) failed(at time.Time, err error) {
	s.mu.Lock()
	s.status.Attempt, s.status.OK, s.status.Err = at, false, err
	s.mu.Unlock()
	s.success.Set(0)
	s.reloads.WithLabelValues("failure").Inc()
}

func (s *rulesState) get() RulesStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// RulesStatus reports how the last load of the rules went.
func (a *App) RulesStatus() RulesStatus { return a.rulesState.get() }

// ReloadRules loads the rules file again and swaps it in only if it is
// entirely valid; otherwise the running rules stay and the error says why.
// The outcome is logged, kept for /readyz and counted in the metrics; the log
// names the trigger "sighup", as cmd/frontdesk calls this on SIGHUP. The file
// watch and the admin API go through the same reloadRules.
func (a *App) ReloadRules() error {
	_, err := a.reloadRules("sighup")
	return err
}

func (a *App) reloadRules(trigger string) (int, error) {
	a.rulesState.reloadMu.Lock()
	defer a.rulesState.reloadMu.Unlock()
	at := time.Now()
	r, err := rules.Load(a.cfg.Rules)
	if err != nil {
		a.rulesState.failed(at, err)
		a.log.Error("rules reload refused; keeping the last good rules",
			"rules", a.cfg.Rules, "trigger", trigger, "errors", problems(err))
		return 0, err
	}
	a.rules.p.Store(r)
	a.embeddings.adopt(r, a.rules.p.Load)
	a.rulesState.succeeded(at, r.Len(), false)
	a.log.Info("rules reloaded", "rules", a.cfg.Rules, "trigger", trigger, "count", r.Len())
	a.logWarnings(r)
	// The customers' commands follow the rules; registered in the
	// background (bounded by commandsTimeout) so a reload answers at once.
	go a.registerCommands(context.Background())
	return r.Len(), nil
}

// logWarnings logs what the rules loaded with but should still be fixed.
func (a *App) logWarnings(r *rules.Rules) {
	if w := r.Warnings(); len(w) > 0 {
		a.log.Warn("rules loaded with warnings", "rules", a.cfg.Rules, "warnings", problems(w))
	}
}

// adminReload is POST /admin/reload.
func (a *App) adminReload(context.Context) (int, []string, error) {
	n, err := a.reloadRules("admin")
	if err != nil {
		return 0, problems(err), err
	}
	return n, nil, nil
}

// problems lists a rules error one problem per line, each with its position
// ("rules.yaml:3:12: …"). An error that is not about the file's content
// (e.g. it cannot be read) is one problem.
func problems(err error) []string {
	var es rules.Errors
	if errors.As(err, &es) && len(es) > 0 {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.Error()
		}
		return out
	}
	return []string{err.Error()}
}

// rulesReadiness is the "rules" detail of /readyz.
func (a *App) rulesReadiness() (bool, map[string]string) {
	st := a.rulesState.get()
	detail := "ok"
	if !st.OK {
		p := problems(st.Err)
		detail = "reload failed: " + p[0]
		if len(p) > 1 {
			detail += fmt.Sprintf(" (and %d more)", len(p)-1)
		}
	}
	// A failed reload does not make the service unready: it keeps
	// answering with the last good rules, and taking it out of the load
	// balancer would stop every answer instead of none. The failure shows
	// here, in the metrics and in the logs.
	return true, map[string]string{"rules": detail}
}

// rulesWatcher reloads the rules when their file changes.
type rulesWatcher struct {
	fs   *fsnotify.Watcher
	stop chan struct{}
	done chan struct{}
}

// watchRules starts watching the rules file's directory. It watches the
// directory, not the file: editors save by writing a new file and renaming
// it over the old one, and Kubernetes updates a ConfigMap volume by swapping
// its ..data symlink, both of which end a watch on the file itself. When no
// watch can be set up (e.g. inotify limits) it logs a warning and returns
// nil: SIGHUP and the admin API still reload.
func (a *App) watchRules() *rulesWatcher {
	path, err := filepath.Abs(a.cfg.Rules)
	if err != nil {
		a.log.Warn("rules watch off: cannot resolve the rules path; reload with SIGHUP or POST /admin/reload", "rules", a.cfg.Rules, "err", err)
		return nil
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		a.log.Warn("rules watch off: cannot create a file watcher; reload with SIGHUP or POST /admin/reload", "rules", path, "err", err)
		return nil
	}
	if err := fw.Add(filepath.Dir(path)); err != nil {
		fw.Close()
		a.log.Warn("rules watch off: cannot watch the rules directory; reload with SIGHUP or POST /admin/reload", "rules", path, "err", err)
		return nil
	}
	w := &rulesWatcher{fs: fw, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(a, path)
	a.log.Info("watching the rules file for changes", "rules", path)
	return w
}

func (w *rulesWatcher) run(a *App, path string) {
	defer close(w.done)
	dir, name := filepath.Dir(path), filepath.Base(path)
	target := resolve(path)
	// With Go 1.23+ timers a stopped timer delivers nothing stale.
	debounce := time.NewTimer(rulesDebounce)
	debounce.Stop()
	defer debounce.Stop()
	for {
		select {
		case <-w.stop:
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Name == dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				a.log.Warn("rules watch stopped: the rules directory was removed or renamed; reload with SIGHUP or POST /admin/reload", "dir", dir)
			}
			// Chmod alone (touch, permission fixes) changes no rule.
			if ev.Op == fsnotify.Chmod {
				continue
			}
			// A symlink swap (ConfigMap's ..data) changes what the path
			// points to without an event on the path's own name. Only
			// creating, removing or renaming an entry can do that, so
			// plain writes (say, to a database next to the rules) are
			// not followed up.
			moved := false
			if ev.Has(fsnotify.Create | fsnotify.Remove | fsnotify.Rename) {
				t := resolve(path)
				moved, target = t != target, t
			}
			if base := filepath.Base(ev.Name); base == name || base == "..data" || moved {
				debounce.Reset(rulesDebounce)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			a.log.Warn("rules watch error", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; one of them may have been ours.
				debounce.Reset(rulesDebounce)
			}
		case <-debounce.C:
			a.reloadRules("watch")
		}
	}
}

// close stops the watcher and waits for its goroutine.
func (w *rulesWatcher) close() error {
	close(w.stop)
	<-w.done
	return w.fs.Close()
}

// resolve is the file path points to after following symlinks, or "" when
// it does not exist.
func resolve(path string) string {
	t, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	return t
}
