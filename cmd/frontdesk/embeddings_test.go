package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check --cases with an embeddings endpoint in the config measures the
// rules as the service decides with it: a paraphrase n-grams miss is
// answered by meaning.
func TestCheckCasesComparesByMeaning(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
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
			v := []float32{0, 0.1} // a gift axis and an everything-else axis
			if strings.Contains(text, "gift") || strings.Contains(text, "present") {
				v[0] = 1
			}
			out.Data = append(out.Data, item{Index: i, Embedding: v})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("rules.yaml", "rules:\n  - id: gift\n    examples: [\"can you wrap it as a present for my mum\"]\n    reply: free gift wrap\n")
	cases := write("cases.tsv", "text\texpected\ndo you offer gift packaging?\tgift\nwhere is my parcel\tnone\n")
	withEndpoint := write("with.yaml", "rules: rules.yaml\nmatching:\n  embeddings: {url: \""+srv.URL+"/v1/embeddings\"}\n")
	without := write("without.yaml", "rules: rules.yaml\n")
	for _, tt := range []struct {
		config, want string
	}{
		{withEndpoint, "2 answered as expected: accuracy 100.0%"},
		{without, "1 answered as expected: accuracy 50.0%"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"check", "--config", tt.config, "--cases", cases}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", tt.config, code, &stdout, &stderr)
		}
		if !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("%s: output lacks %q:\n%s", filepath.Base(tt.config), tt.want, &stdout)
		}
	}
}
