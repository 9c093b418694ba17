package embed

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeServer is an OpenAI-compatible embeddings endpoint: each text's
// vector is derived from its hash, so answers are stable, and it records
// what it was asked.
type fakeServer struct {
	mu       sync.Mutex
	requests [][]string
	auth     []string
	answer   func(w http.ResponseWriter, r *http.Request, in []string) bool // false: answer normally
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req.Input)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	answer := f.answer
	f.mu.Unlock()
	if answer != nil && answer(w, r, req.Input) {
		return
	}
	var resp response
	for i, t := range req.Input {
		resp.Data = append(resp.Data, struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}{Index: i, Embedding: vectorOf(t)})
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeServer) asked() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.requests...)
}

func vectorOf(text string) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	s := h.Sum64()
	return []float32{float32(s&0xff) + 1, float32(s>>8&0xff) + 1, float32(s>>16&0xff) + 1, 3}
}

func start(t *testing.T, cfg Config) (*Client, *fakeServer) {
	t.Helper()
	f := &fakeServer{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL + "/v1/embeddings"
	return New(cfg), f
}

func TestWarmFetchesWhatIsMissingOnce(t *testing.T) {
	c, f := start(t, Config{Model: "bge-m3", APIKey: "k-123"})
	ctx := context.Background()
	if err := c.Warm(ctx, []string{"hello", "where is my parcel", "hello", ""}); err != nil {
		t.Fatal(err)
	}
	if err := c.Warm(ctx, []string{"hello", "refund please"}); err != nil {
		t.Fatal(err)
	}
	got := f.asked()
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 1 || got[1][0] != "refund please" {
		t.Fatalf("requests %q: want [hello, where is my parcel] then [refund please]", got)
	}
	if f.auth[0] != "Bearer k-123" {
		t.Errorf("Authorization = %q", f.auth[0])
	}
	v, ok := c.Vector("where is my parcel")
	if !ok {
		t.Fatal("no vector after Warm")
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if math.Abs(n-1) > 1e-5 {
		t.Errorf("vector length² %v, want 1", n)
	}
	if _, ok := c.Vector("never asked"); ok {
		t.Error("a vector for a text never fetched")
	}
}

func TestWarmSplitsLargeBatches(t *testing.T) {
	c, f := start(t, Config{})
	texts := make([]string, maxInputs+5)
	for i := range texts {
		texts[i] = string(rune('a'+i%26)) + string(rune(0x4e00+i))
	}
	if err := c.Warm(context.Background(), texts); err != nil {
		t.Fatal(err)
	}
	if got := f.asked(); len(got) != 2 || len(got[0]) != maxInputs || len(got[1]) != 5 {
		t.Fatalf("%d requests; want %d texts then 5", len(got), maxInputs)
	}
}

func TestWarmGivesUpAtItsBudget(t *testing.T) {
	c, f := start(t, Config{Budget: 30 * time.Millisecond})
	release := make(chan struct{})
	defer close(release)
	f.answer = func(w http.ResponseWriter, r *http.Request, in []string) bool {
		select { // a server stuck on a long queue
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	done := make(chan error, 1)
	go func() { done <- c.Warm(context.Background(), []string{"slow"}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Warm against a stuck server: err = %v, want the budget's deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Warm did not give up at its budget")
	}
	if _, ok := c.Vector("slow"); ok {
		t.Error("a vector that never arrived")
	}
}

func TestBadResponsesAreRefused(t *testing.T) {
	for name, answer := range map[string]func(http.ResponseWriter, *http.Request, []string) bool{
		"server error": func(w http.ResponseWriter, _ *http.Request, _ []string) bool {
			http.Error(w, "model not loaded", http.StatusServiceUnavailable)
			return true
		},
		"one vector short": func(w http.ResponseWriter, _ *http.Request, _ []string) bool {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,2]}]}`))
			return true
		},
		"vectors of two lengths": func(w http.ResponseWriter, _ *http.Request, _ []string) bool {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[1,2,3]}]}`))
			return true
		},
		"an index twice": func(w http.ResponseWriter, _ *http.Request, _ []string) bool {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[1,2]}]}`))
			return true
		},
		"not JSON": func(w http.ResponseWriter, _ *http.Request, _ []string) bool {
			_, _ = w.Write([]byte(`<html>`))
			return true
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, f := start(t, Config{})
			f.answer = answer
			if err := c.Warm(context.Background(), []string{"a", "b"}); err == nil {
				t.Fatal("Warm accepted a bad response")
			}
			if _, ok := c.Vector("a"); ok {
				t.Error("a vector kept from a bad response")
			}
		})
	}
}

func TestPinKeepsExactlyTheCurrentExamples(t *testing.T) {
	c, f := start(t, Config{})
	ctx := context.Background()
	if err := c.Warm(ctx, []string{"seen in a message"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Pin(ctx, []string{"old example", "kept example", "seen in a message"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Pin(ctx, []string{"kept example", "new example"}); err != nil {
		t.Fatal(err)
	}
	got := f.asked()
	want := [][]string{{"seen in a message"}, {"old example", "kept example"}, {"new example"}}
	if len(got) != len(want) {
		t.Fatalf("requests %q, want %q", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || got[i][0] != want[i][0] {
			t.Fatalf("requests %q, want %q", got, want)
		}
	}
	if _, ok := (*c.pinned.Load())["old example"]; ok {
		t.Error("the previous rules' example is still pinned")
	}
	for _, text := range []string{"kept example", "new example"} {
		if _, ok := c.Vector(text); !ok {
			t.Errorf("no vector for %q", text)
		}
	}
}
