package app

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestLongPostgresOutageLosesAndRepeatsNothing: PostgreSQL (a private
// server) is stopped for longer than the lease many times over while
// customers write and replies are on their way: Telegram (a fake that
// answers each send late) has accepted some of them when the database
// goes, so recording them fails until it is back. Webhooks meanwhile get
// 503 and are posted again afterwards, as Telegram does. Every customer is
// answered exactly once: a send is never given up as unrecorded, so the
// lease running out does not send it again. A restart of the service
// afterwards sends nothing again either.
func TestLongPostgresOutageLosesAndRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: stops PostgreSQL for 40 s")
	}
	const (
		outage    = 40 * time.Second
		late      = 500 * time.Millisecond // how long Telegram takes to answer a send
		before    = 40                     // customers answered or in flight when the database stops
		during    = 60                     // customers who write while it is away
		after     = 50                     // customers who write once it is back
		customers = before + during + after
	)
	pg := storetest.StartInstance(t)
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetFailure("sendMessage", &telegramtest.Failure{Late: late})
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "unused.db"), "webhook")
	cfg.Database = pg.DSN
	cfg.Guard.Debounce = config.Duration(time.Millisecond)
	// A short lease: the outage outlasts it six times, so every send held
	// unrecorded is claimable again long before its record can be written.
	// The send timeout stays well above the fake's lateness: a send that
	// times out may have arrived, and on Telegram that is the documented
	// window for a second copy, which a CPU-starved CI machine (load 10+
	// on two cores) would otherwise open by itself.
	cfg.Pipeline.Lease = config.Duration(6 * time.Second)
	cfg.Pipeline.SendTimeout = config.Duration(5 * time.Second)
	h := startFaulty(t, cfg, fake)
	chat := func(i int) int64 { return int64(1000 + i) }

	for i := 1; i <= before; i++ {
		h.retryUntilAccepted(update(int64(i), chat(i), "en", "where is my order"))
	}
	// Stop the database while replies are in flight: Telegram has the
	// first few and is still answering them.
	if _, err := fake.WaitSent(5, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	pg.Stop()

	for i := before + 1; i <= before+during; i++ {
		if code := h.post(update(int64(i), chat(i), "en", "where is my order"), secret); code != http.StatusServiceUnavailable {
			t.Fatalf("customer %d wrote with the database stopped: %d, want 503", i, code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Until(stoppedAt.Add(outage)))
	pg.Start()
	restartedAt := time.Now()

	// Telegram posts the refused updates again; new customers write too.
	for i := before + 1; i <= customers; i++ {
		h.retryUntilAccepted(update(int64(i), chat(i), "en", "where is my order"))
	}
	if _, err := fake.WaitSent(customers, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	var inFlight, duringOutage int
	for _, m := range fake.Sent() {
		switch {
		case m.At.After(stoppedAt.Add(-late)) && !m.At.After(stoppedAt):
			inFlight++ // accepted by Telegram, answered after the stop
		case m.At.After(stoppedAt) && m.At.Before(restartedAt):
			duringOutage++ // claimed before the stop, sent after it
		}
	}
	if inFlight+duringOutage == 0 {
		t.Fatal("no send was in flight when the database stopped, so nothing was left to record during the outage")
	}
	chats := make([]int64, customers)
	for i := range chats {
		chats[i] = chat(i + 1)
	}
	// Longer than the lease: a send given up as unrecorded would go again.
	time.Sleep(time.Duration(cfg.Pipeline.Lease) + time.Second)
	answeredExactlyOnce(t, fake, chats)

	// A restart after the outage: whatever was sent is recorded as sent,
	// so the new process sends nothing again; it answers a new customer.
	h.stop(5 * time.Second)
	h = startFaulty(t, cfg, fake)
	h.retryUntilAccepted(update(customers+1, chat(customers+1), "en", "where is my order"))
	if _, err := fake.WaitSent(customers+1, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(cfg.Pipeline.Lease) + time.Second)
	answeredExactlyOnce(t, fake, append(chats, chat(customers+1)))
	t.Logf("outage %v, lease %v: %d customers, %d sends in flight at the stop, %d sent during the outage, 0 lost, 0 duplicates",
		outage, time.Duration(cfg.Pipeline.Lease), customers+1, inFlight, duringOutage)
}

// answeredExactlyOnce checks that each chat got one reply and that no
// other chat got any.
func answeredExactlyOnce(t *testing.T, fake *telegramtest.Server, chats []int64) {
	t.Helper()
	got := map[int64]int{}
	for _, m := range fake.Sent() {
		got[m.ChatID]++
	}
	lost, twice := 0, 0
	for _, c := range chats {
		switch n := got[c]; {
		case n == 0:
			lost++
		case n > 1:
			twice++
			t.Errorf("chat %d got %d replies", c, n)
		}
		delete(got, c)
	}
	if lost > 0 || twice > 0 || len(got) > 0 {
		t.Fatalf("%d customers: %d lost, %d answered more than once, %d replies to chats that never wrote", len(chats), lost, twice, len(got))
	}
}
