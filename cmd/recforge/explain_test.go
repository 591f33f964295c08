package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/pipeline"
)

// predict --explain prints, per row, a JSON line with the row's score (the
// one plain predict prints) and the attention weights the library's
// Explain reports; a model without attention is refused by name.
func TestPredictExplain(t *testing.T) {
	dir := t.TempDir()
	run, _ := trainSeq(t, dir, "din", "--quiet", "--config", seqWriteFile(t, dir, "din.yaml", "model: {name: din, params: {hidden: [8], attention_hidden: [4]}}\n"))
	art := filepath.Join(run, "model")
	spec := seqSpec("test")
	code, plain, stderr := recforge(t, "predict", "--artifact", art, "--data", spec)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, stderr)
	}
	code, out, stderr := recforge(t, "predict", "--artifact", art, "--data", spec, "--explain")
	if code != 0 {
		t.Fatalf("predict --explain: exit %d: %s", code, stderr)
	}
	l, err := pipeline.Load(art, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var want []pipeline.Explanation
	if _, err := l.Explain(context.Background(), spec, data.ReadOptions{}, func(e []pipeline.Explanation) error { want = append(want, e...); return nil }); err != nil {
		t.Fatal(err)
	}
	scores := strings.Fields(plain)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) || len(lines) != len(scores) || len(lines) == 0 {
		t.Fatalf("%d explained rows, %d scores, library %d", len(lines), len(scores), len(want))
	}
	entries := 0
	for i, line := range lines {
		var got struct {
			Score     float32                  `json:"score"`
			Attention []pipeline.HistoryWeight `json:"attention"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil || got.Attention == nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if s, _ := strconv.ParseFloat(scores[i], 32); got.Score != float32(s) {
			t.Errorf("row %d: score %v, predict printed %s", i, got.Score, scores[i])
		}
		if len(got.Attention) != len(want[i].Attention) {
			t.Fatalf("row %d: %d weights, library %d", i, len(got.Attention), len(want[i].Attention))
		}
		for k, h := range got.Attention {
			if h != want[i].Attention[k] || h.Item == "" || h.ID == 0 {
				t.Errorf("row %d entry %d: %+v, library %+v", i, k, h, want[i].Attention[k])
			}
		}
		entries += len(got.Attention)
	}
	if entries == 0 {
		t.Error("no attention weights printed")
	}

	run, _ = trainSeq(t, dir, "seqbase", "--quiet", "--config", seqWriteFile(t, dir, "seqbase.yaml", "model: {name: seqbase, params: {hidden: [8]}}\n"))
	code, _, stderr = recforge(t, "predict", "--artifact", filepath.Join(run, "model"), "--data", spec, "--explain")
	if code != 1 || !strings.Contains(stderr, "model seqbase has no attention weights to explain") {
		t.Errorf("seqbase: exit %d: %s", code, stderr)
	}
}
