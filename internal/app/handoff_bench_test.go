package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// BenchmarkHandoffNotification measures how long agents wait for a
// handoff's notification: from posting the customer's complaint to the
// webhook until the fake Bot API receives the notice for the team chat,
// with handoffs arriving open loop at 100 per second from different
// customers (b.N of them), on SQLite. Platform rate limits are off (the
// figure is frontdesk's own time), and so are incidents, which would
// group the handoffs. Reported: p50-ms, p99-ms, max-ms.
//
//	go test ./internal/app -run '^$' -bench HandoffNotification -benchtime 3000x
func BenchmarkHandoffNotification(b *testing.B) {
	fake := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
	b.Cleanup(fake.Close)
	cfg := testConfig(b, fake, filepath.Join(b.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Incidents: config.Incidents{Threshold: -1},
		Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	a, err := New(context.Background(), cfg, Options{Log: quietLogger(b), Limits: map[chat.Platform]pipeline.Limits{}})
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	client := newClient()
	url := "http://" + a.Addr() + "/webhooks/telegram/shop"

	const rate = 100
	posted := make([]time.Time, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
		body := complaint(int64(i+1), int64(100000+i))
		posted[i] = time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("webhook answered %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	latencies := make([]time.Duration, 0, b.N)
	deadline := time.Now().Add(time.Minute)
	for len(latencies) < b.N && time.Now().Before(deadline) {
		latencies = latencies[:0]
		for _, m := range fake.Sent() {
			var i int
			if m.ChatID != teamChat || !strings.HasPrefix(m.Text, "Handoff") {
				continue
			}
			if _, err := fmt.Sscanf(m.Text[strings.Index(m.Text, "Customer: C")+len("Customer: C"):], "%d", &i); err != nil {
				b.Fatalf("notice without its customer: %q", m.Text)
			}
			latencies = append(latencies, m.At.Sub(posted[i]))
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	if len(latencies) != b.N {
		b.Fatalf("%d notices for %d handoffs", len(latencies), b.N)
	}
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
	b.ReportMetric(0, "ns/op") // the loop is paced, so time per op says nothing
}

// complaint is a customer's message that the example rules hand off; the
// customer's name carries their index, to match the notice to it.
func complaint(updateID, chatID int64) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": 1, "date": %d, "text": "this is a scam, where is my money?",
		"chat": {"id": %d, "type": "private"}, "from": {"id": %d, "is_bot": false, "first_name": "C%d", "language_code": "en"}}}`,
		updateID, time.Now().Unix(), chatID, chatID, updateID-1))
}
