package rl

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/serve"
)

// The saved policy is a model artifact that `recforge serve` ranks with:
// the rank endpoint, given the state fields of the agent's last request as
// the context and each candidate's action fields, answers the candidates
// in the order of the agent's own Q-values with exactly those values.
func TestSavedPolicyServesQ(t *testing.T) {
	cfg, err := Preset("drn")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(smallWorld(t, 3), a, "drn", 5)
	if err != nil {
		t.Fatal(err)
	}
	if a.Diagnostics().MajorUpdates == 0 {
		t.Fatal("the agent never trained")
	}
	dir := filepath.Join(t.TempDir(), "policy")
	if err := savePolicy(dir, a, r, "test"); err != nil {
		t.Fatal(err)
	}

	// The agent's rows of its last request (those sharing the first row's
	// state) and their Q-values.
	w, s := a.dims.width(), a.dims.state()
	n := 1
	for n < len(a.feat)/w && slices.Equal(a.feat[n*w:n*w+s], a.feat[:s]) {
		n++
	}
	if n < 10 {
		t.Fatalf("the last request has %d candidates", n)
	}
	rows := a.feat[:n*w]
	want := make([]float32, n)
	a.online.Score(rows, n, want)
	if slices.Min(want) == slices.Max(want) {
		t.Fatalf("the rows are not told apart: Q = %v", want)
	}
	fields := a.enc.Schema().Fields
	num := func(x float32) json.Number { return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32)) }
	// The rows share the state of one request: it is the context.
	ctx := map[string]any{}
	for j := range s {
		ctx[fields[j].Name] = num(rows[j])
	}
	var cands []any
	for i := range n {
		c := map[string]any{}
		for j := s; j < w; j++ {
			c[fields[j].Name] = num(rows[i*w+j])
		}
		cands = append(cands, c)
	}

	srv, err := serve.New(serve.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddModel("drn", dir); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"context": ctx, "candidates": cands})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/models/drn:rank", bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("rank: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Candidates []struct {
			Index int     `json:"index"`
			Score float32 `json:"score"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Candidates) != n {
		t.Fatalf("%d ranked for %d candidates", len(out.Candidates), n)
	}
	order := make([]int32, n)
	sortBy(order, want)
	for j, c := range out.Candidates {
		if c.Index != int(order[j]) || c.Score != want[c.Index] {
			t.Errorf("rank %d: candidate %d with %v; the agent ranks %d there, its Q %v", j, c.Index, c.Score, order[j], want[order[j]])
		}
	}

	// The artifact records the registered model, its task and the run.
	l, err := pipeline.Load(dir, 8)
	if err != nil {
		t.Fatal(err)
	}
	if l.Manifest.Model != "drn" || l.Manifest.Protocol != "test" || l.Manifest.Metrics["ctr"] != r.Stats.CTR {
		t.Errorf("manifest: model %q, protocol %q, metrics %v", l.Manifest.Model, l.Manifest.Protocol, l.Manifest.Metrics)
	}
}
