// Package redact keeps configured secrets (bot tokens, webhook secrets,
// passwords) out of what the service writes down: logs and stored error
// texts. Libraries put tokens where we do not control the text — the
// Telegram Bot API URL holds the token, and Go's HTTP client repeats the
// URL in every network error — so the text is cleaned on its way out.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// minLen is the shortest value treated as a secret: shorter ones would
// mask ordinary words, and no real token is that short.
const minLen = 6

// Secrets masks a fixed set of secret values.
type Secrets struct {
	r *strings.Replacer
}

// New masks the given values; empty and very short ones are ignored.
func New(values ...string) *Secrets {
	var keep []string
	for _, v := range values {
		if len(v) >= minLen && !slices.Contains(keep, v) {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return &Secrets{}
	}
	// Longest first, so a secret containing another is masked whole.
	slices.SortFunc(keep, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(keep))
	for _, v := range keep {
		pairs = append(pairs, v, Mask)
	}
	return &Secrets{r: strings.NewReplacer(pairs...)}
}

// String masks every secret in s.
func (s *Secrets) String(x string) string {
	if s == nil || s.r == nil {
		return x
	}
	return s.r.Replace(x)
}

// Handler wraps h so that no record it writes holds a secret: the message
// and every attribute, errors and nested groups included.
func (s *Secrets) Handler(h slog.Handler) slog.Handler {
	if s == nil || s.r == nil {
		return h
	}
	return &handler{s: s, next: h}
}

type handler struct {
	s    *Secrets
	next slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.s.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &handler{s: h.s, next: h.next.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{s: h.s, next: h.next.WithGroup(name)}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.s.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.s.String(x.Error()))
		case []string:
			clean := make([]string, len(x))
			for i, e := range x {
				clean[i] = h.s.String(e)
			}
			return slog.Any(a.Key, clean)
		default:
			// Structs, maps, Stringers: kept as they are (the handler may
			// print them structured) unless their text holds a secret.
			text := fmt.Sprintf("%+v", x)
			if masked := h.s.String(text); masked != text {
				return slog.String(a.Key, masked)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
