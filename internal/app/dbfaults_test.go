package app

import (
	"database/sql"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// startFaulty starts the service with a short accept timeout, so a stuck
// database turns into 503s within the test's patience.
func startFaulty(t *testing.T, cfg *config.Config, fake *telegramtest.Server) *harness {
	t.Helper()
	return startWith(t, cfg, fake, Options{PollInterval: 20 * time.Millisecond, AcceptTimeout: 300 * time.Millisecond})
}

// retryUntilAccepted posts an update the way Telegram does while it gets
// anything but 200: again, a little later.
func (h *harness) retryUntilAccepted(body []byte) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code := h.post(body, secret)
		if code == http.StatusOK {
			return
		}
		if code != http.StatusServiceUnavailable {
			h.t.Fatalf("webhook answered %d while the database recovers, want 503 or 200", code)
		}
		if time.Now().After(deadline) {
			h.t.Fatal("the service did not recover within 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// answeredOnce checks that every chat got exactly one reply.
func answeredOnce(t *testing.T, fake *telegramtest.Server, chats ...int64) {
	t.Helper()
	if _, err := fake.WaitSent(len(chats), 15*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would show by now
	got := map[int64]int{}
	for _, m := range fake.Sent() {
		got[m.ChatID]++
	}
	for _, c := range chats {
		if got[c] != 1 {
			t.Errorf("chat %d got %d replies, want 1", c, got[c])
		}
	}
	if len(fake.Sent()) != len(chats) {
		t.Errorf("%d replies for %d chats", len(fake.Sent()), len(chats))
	}
}

// TestLockedSQLiteAnswers503AndRecovers: another process holds the
// database's write lock. Webhooks answer 503 within the accept timeout
// instead of hanging, and once the lock is gone the platform's retries are
// accepted and every message is answered once.
func TestLockedSQLiteAnswers503AndRecovers(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dbPath := filepath.Join(t.TempDir(), "fd.db")
	h := startFaulty(t, testConfig(t, fake, dbPath, "webhook"), fake)

	other, err := sql.Open("sqlite", "file:"+dbPath+"?_txlock=immediate&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 3; i++ {
		began := time.Now()
		if code := h.post(update(i, 100+i, "en", "where is my order"), secret); code != http.StatusServiceUnavailable {
			t.Fatalf("update %d with the database locked: %d, want 503", i, code)
		}
		if took := time.Since(began); took > 3*time.Second {
			t.Fatalf("the webhook held the request %v", took)
		}
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 3; i++ {
		h.retryUntilAccepted(update(i, 100+i, "en", "where is my order"))
	}
	answeredOnce(t, fake, 101, 102, 103)
}

// TestFullDiskAnswers503AndRecovers: the SQLite file lives on a small
// filesystem that fills up. Webhooks answer 503 (never 500, never a
// crash), and once space is freed the retried updates are accepted and
// every accepted message is answered once.
func TestFullDiskAnswers503AndRecovers(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small filesystem to fill (needs root, as in CI): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
		}
	})
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(dir, "fd.db"), "webhook")
	cfg.Guard.Debounce = config.Duration(time.Millisecond)
	h := startFaulty(t, cfg, fake)

	h.retryUntilAccepted(update(1, 100, "en", "where is my order"))
	answeredOnce(t, fake, 100)
	filler := filepath.Join(dir, "filler")
	fill(t, filler)

	// Big updates until one is refused: SQLite may still fit a few in
	// space its files already have.
	long := strings.Repeat("где мой заказ? ", 250)
	var refused []int64
	accepted := []int64{100}
	for i := int64(2); i < 200 && len(refused) < 3; i++ {
		switch code := h.post(update(i, 100+i, "ru", long), secret); code {
		case http.StatusOK:
			accepted = append(accepted, 100+i)
		case http.StatusServiceUnavailable:
			refused = append(refused, i)
		default:
			t.Fatalf("update %d on a full disk: %d, want 200 or 503", i, code)
		}
	}
	if len(refused) == 0 {
		t.Fatal("no update was refused on a full disk")
	}
	t.Logf("on the full disk: %d updates accepted, then %d refused", len(accepted)-1, len(refused))
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for _, i := range refused {
		h.retryUntilAccepted(update(i, 100+i, "ru", long))
		accepted = append(accepted, 100+i)
	}
	answeredOnce(t, fake, accepted...)
}

// fill writes to path until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// The last bytes: a smaller write may still fit.
	for _, n := range []int{4096, 512, 1} {
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
}

// TestPostgresOutageAnswers503AndRecovers: the connection to PostgreSQL is
// cut (every open connection closed, new ones refused) while customers
// write. Webhooks answer 503, readiness says so, the service keeps
// running, and when the database is back it recovers by itself: the
// retried updates are accepted and everything is answered once.
func TestPostgresOutageAnswers503AndRecovers(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	proxy := newCutProxy(t, "127.0.0.1:5432")
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "unused.db"), "webhook")
	cfg.Database = strings.Replace(dsn, "127.0.0.1:5432", proxy.addr, 1)
	if cfg.Database == dsn {
		t.Skipf("%s does not point at 127.0.0.1:5432, so it cannot be cut through a proxy", storetest.EnvPostgres)
	}
	h := startFaulty(t, cfg, fake)

	h.retryUntilAccepted(update(1, 101, "en", "where is my order"))
	answeredOnce(t, fake, 101)

	proxy.cut()
	for i := int64(2); i <= 4; i++ {
		if code := h.post(update(i, 100+i, "en", "where is my order"), secret); code != http.StatusServiceUnavailable {
			t.Fatalf("update %d with the database cut off: %d, want 503", i, code)
		}
	}
	if code := h.get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database cut off: %d, want 503", code)
	}
	time.Sleep(500 * time.Millisecond) // the workers meet the outage too
	proxy.restore()

	for i := int64(2); i <= 4; i++ {
		h.retryUntilAccepted(update(i, 100+i, "en", "where is my order"))
	}
	answeredOnce(t, fake, 101, 102, 103, 104)
	if code := h.get("/readyz"); code != http.StatusOK {
		t.Errorf("readyz after recovery: %d", code)
	}
}

func (h *harness) get(path string) int {
	h.t.Helper()
	resp, err := h.client.Get("http://" + h.app.Addr() + path)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// cutProxy forwards TCP to a target until cut: then it closes every
// connection and refuses new ones, like a database host gone off the
// network, until restored on the same address.
type cutProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	p := &cutProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	p.listen("127.0.0.1:0")
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *cutProxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *cutProxy) restore() {
	p.listen(p.addr)
}

// TestSlowClientIsCutOff: a client that trickles its headers (slowloris)
// is disconnected by the read-header timeout, and serves nobody's request
// meanwhile: others are answered at once.
func TestSlowClientIsCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out the 5 s header timeout")
	}
	h := newHarness(t)
	conn, err := net.Dial("tcp", h.app.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began := time.Now()
	if _, err := conn.Write([]byte("POST /webhooks/telegram/shop HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
		t.Fatal(err)
	}
	if code := h.get("/healthz"); code != http.StatusOK {
		t.Fatalf("another client got %d while the slow one hangs", code)
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.ReadAll(conn) // returns when the server closes the connection
	took := time.Since(began)
	if err != nil || took < 4*time.Second || took > 8*time.Second {
		t.Fatalf("the slow client was cut off after %v (%v), want about 5s", took, err)
	}
}
