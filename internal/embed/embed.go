// Package embed fetches text embeddings from an OpenAI-compatible
// embeddings endpoint (a local server such as llama.cpp, Ollama, vLLM or
// text-embeddings-inference) and keeps them in memory, so the rules engine
// can compare a message with its rules' examples by meaning.
//
// Deciding a message never waits on the network: the pipeline fetches the
// vectors of a batch's messages up front with Warm, which gives up at its
// budget, and the rules engine only reads what is already here (Vector). A
// message whose vector did not arrive in time is matched by the engine's
// own character n-grams, as when no endpoint is configured.
package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Config says where the endpoint is and how long a batch may wait for it.
type Config struct {
	URL    string // the endpoint itself, e.g. http://127.0.0.1:8080/v1/embeddings
	Model  string // sent as "model"; servers with one model ignore it
	APIKey string // sent as a bearer token when set
	// Budget bounds how long Warm waits for a batch's messages.
	Budget time.Duration
	// Timeout bounds each request that fetches the examples' vectors.
	Timeout time.Duration
	// Recent is how many messages' vectors are kept (least recently used
	// go first); the examples' vectors are kept apart, all of them.
	Recent int
}

// Client fetches and keeps embeddings. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	// pinned holds the current rules' examples, replaced whole by Pin.
	pinned atomic.Pointer[map[string][]float32]
	recent *lru.Cache[string, []float32]
	// pinMu makes one Pin run at a time, so an older rules file's
	// examples never replace a newer one's.
	pinMu sync.Mutex
}

// maxInputs is how many texts one request carries; OpenAI's limit is
// 2,048 and local servers batch internally.
const maxInputs = 128

// maxResponse bounds a response body: 128 vectors of 4,096 floats written
// as JSON are about 10 MB.
const maxResponse = 32 << 20

// New makes a client; nothing is fetched until Warm or Pin.
func New(cfg Config) *Client {
	if cfg.Budget <= 0 {
		cfg.Budget = 150 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 10000
	}
	recent, _ := lru.New[string, []float32](cfg.Recent) // only a size ≤ 0 fails
	c := &Client{cfg: cfg, http: &http.Client{Timeout: cfg.Timeout}, recent: recent}
	empty := map[string][]float32{}
	c.pinned.Store(&empty)
	return c
}

// Vector returns the text's vector, of length 1, if it was fetched before.
// It never blocks on the network.
func (c *Client) Vector(text string) ([]float32, bool) {
	if v, ok := (*c.pinned.Load())[text]; ok {
		return v, true
	}
	return c.recent.Get(text)
}

// Warm fetches the vectors of the texts not yet known, in as few requests
// as it takes, and gives up when the budget (or ctx) runs out: whatever did
// not arrive is simply not there for Vector.
func (c *Client) Warm(ctx context.Context, texts []string) error {
	missing := c.missing(texts)
	if len(missing) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Budget)
	defer cancel()
	for chunk := range slices.Chunk(missing, maxInputs) {
		vecs, err := c.fetch(ctx, chunk)
		if err != nil {
			return err
		}
		for i, v := range vecs {
			c.recent.Add(chunk[i], v)
		}
	}
	return nil
}

// Pin fetches the vectors of the rules' examples and keeps exactly these
// (the previous rules' examples are let go). Vectors already known are not
// fetched again, so a reload that changes one example costs one text.
func (c *Client) Pin(ctx context.Context, texts []string) error {
	c.pinMu.Lock()
	defer c.pinMu.Unlock()
	old := *c.pinned.Load()
	next := make(map[string][]float32, len(texts))
	var missing []string
	for _, t := range texts {
		if _, dup := next[t]; dup {
			continue
		}
		if v, ok := old[t]; ok {
			next[t] = v
		} else if v, ok := c.recent.Peek(t); ok {
			next[t] = v
		} else {
			next[t] = nil
			missing = append(missing, t)
		}
	}
	for chunk := range slices.Chunk(missing, maxInputs) {
		vecs, err := c.fetch(ctx, chunk)
		if err != nil {
			return err
		}
		for i, v := range vecs {
			next[chunk[i]] = v
		}
	}
	c.pinned.Store(&next)
	return nil
}

// missing lists the texts without a vector, each once, empty ones left out.
func (c *Client) missing(texts []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range texts {
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		if _, ok := c.Vector(t); !ok {
			out = append(out, t)
		}
	}
	return out
}

type request struct {
	Model string   `json:"model,omitempty"`
	Input []string `json:"input"`
}

type response struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// ErrBadResponse means the endpoint answered, but not with one vector per
// text of one length.
var ErrBadResponse = errors.New("embeddings: unexpected response")

// fetch asks the endpoint for the texts' vectors, in the texts' order,
// each scaled to length 1 so a dot product is the cosine.
func (c *Client) fetch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(request{Model: c.cfg.Model, Input: texts})
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, fmt.Errorf("embeddings: %s answered %s: %w", c.cfg.URL, resp.Status, ErrBadResponse)
	}
	var r response
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&r); err != nil {
		return nil, fmt.Errorf("embeddings: decode: %w", err)
	}
	if len(r.Data) != len(texts) {
		return nil, fmt.Errorf("embeddings: %d vectors for %d texts: %w", len(r.Data), len(texts), ErrBadResponse)
	}
	out := make([][]float32, len(texts))
	dim := len(r.Data[0].Embedding)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil || len(d.Embedding) != dim || dim == 0 {
			return nil, fmt.Errorf("embeddings: vector %d: %w", d.Index, ErrBadResponse)
		}
		out[d.Index] = unit(d.Embedding)
	}
	return out, nil
}

// unit scales v to length 1 (a zero vector stays zero and resembles
// nothing).
func unit(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}
