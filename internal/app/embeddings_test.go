package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// meaningServer is an OpenAI-compatible embeddings endpoint whose vectors
// have one axis per topic, found by the words a text uses, so a paraphrase
// that shares no wording with an example is close to it by meaning. stuck
// makes it hold every request until the caller gives up.
type meaningServer struct {
	stuck    atomic.Bool
	requests atomic.Int64
}

var topics = [][]string{{"wrap", "present", "gift", "packag"}, {"size", "tall", "尺码"}}

func (m *meaningServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.requests.Add(1)
	var req struct {
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if m.stuck.Load() {
		<-r.Context().Done()
		return
	}
	type item struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var out struct {
		Data []item `json:"data"`
	}
	for i, text := range req.Input {
		v := make([]float32, len(topics)+1)
		v[len(topics)] = 0.1 // everything is a little about "other"
		for t, words := range topics {
			for _, word := range words {
				if strings.Contains(strings.ToLower(text), word) {
					v[t]++
				}
			}
		}
		out.Data = append(out.Data, item{Index: i, Embedding: v})
	}
	_ = json.NewEncoder(w).Encode(out)
}

const exampleRules = `rules:
  - id: gift
    examples: ["can you wrap it as a present for my mum"]
    reply: "we gift-wrap for free"
  - id: hello
    keywords: [hi]
    reply: "hello to you"
`

// With an embeddings endpoint configured, a paraphrase of an example that
// n-grams miss is answered; when the endpoint hangs, messages are still
// decided within its budget, by n-grams, and the failure is counted.
func TestExamplesComparedByMeaningThroughTheEndpoint(t *testing.T) {
	ms := &meaningServer{}
	srv := httptest.NewServer(ms)
	t.Cleanup(srv.Close)
	h := startLive(t, rulesWriters[0], exampleRules, func(c *liveHarnessConfig) {
		c.embeddings = config.Embeddings{URL: srv.URL + "/v1/embeddings", Budget: config.Duration(200 * time.Millisecond)}
	})
	h.waitFor("the examples' vectors are fetched", func() bool { return h.metric("frontdesk_embeddings_ready") == 1 })

	if got := h.askText("do you offer gift packaging?"); got != "we gift-wrap for free" {
		t.Fatalf("a paraphrase of the example was answered %q", got)
	}

	ms.stuck.Store(true)
	// Late vectors: the message is compared by n-grams, and a close
	// rewording of the example is still recognized that way.
	if got := h.askText("could you wrap it as a present"); got != "we gift-wrap for free" {
		t.Fatalf("with the endpoint stuck, a close rewording was answered %q", got)
	}
	if got := h.ask(); got != "hello to you" {
		t.Fatalf("with the endpoint stuck, a keyword was answered %q", got)
	}
	if n := h.metric(`frontdesk_embeddings_failures_total{fetching="messages"}`); n < 1 {
		t.Errorf("failures counted: %v, want at least 1", n)
	}
}
