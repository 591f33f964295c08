package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/feature"
)

const (
	warmDay1 = "synthetic:ctr?rows=1500&seed=1&max_vocab=20"
	warmDay2 = "synthetic:ctr?rows=3000&seed=2&max_vocab=40"
)

// recforge train --warm-start continues yesterday's artifact on today's
// data: the run says how the vocabularies grew, its JSON line names the
// source, its artifact records it and loads in eval and predict.
func TestTrainWarmStart(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	day1 := filepath.Join(dir, "day1")
	code, _, stderr := recforge(t, "train", "--model", "deepfm", "--data", warmDay1, "--epochs", "1", "--batch", "128",
		"--out", day1, "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("day one: exit %d: %s", code, stderr)
	}
	src := filepath.Join(day1, "model")
	day2 := filepath.Join(dir, "day2")
	code, stdout, stderr := recforge(t, "train", "--warm-start", src, "--data", warmDay2, "--epochs", "1", "--batch", "128",
		"--out", day2, "--cache-dir", cache, "--refit-stats")
	if code != 0 {
		t.Fatalf("day two: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warm start: deepfm from "+src) || !strings.Contains(stderr, "vocabularies grew (") ||
		!strings.Contains(stderr, "numeric statistics refitted") {
		t.Errorf("stderr does not say what the warm start did:\n%s", stderr)
	}
	out := lastJSON(t, stdout)
	art := filepath.Join(day2, "model")
	if out["model"] != "deepfm" || out["warm_start"] != src || out["artifact"] != art || out["epochs"] != 1.0 {
		t.Errorf("JSON line %v: want model deepfm, warm_start %s, artifact %s, 1 epoch", out, src, art)
	}
	man, err := artifact.ReadManifest(art)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(src)
	if man.WarmStart == nil || man.WarmStart.Dir != abs {
		t.Errorf("manifest warm_start %+v, want dir %s", man.WarmStart, abs)
	}
	test := "synthetic:ctr?rows=400&seed=3&max_vocab=40"
	code, stdout, stderr = recforge(t, "eval", "--artifact", art, "--data", test)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	if m, ok := lastJSON(t, stdout)["metrics"].(map[string]any); !ok || m["auc"] == nil {
		t.Errorf("eval output has no AUC: %s", stdout)
	}
	code, stdout, stderr = recforge(t, "predict", "--artifact", art, "--data", test)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, "\n"); n < 400 {
		t.Errorf("predict wrote %d lines for 400 rows", n)
	}
}

// A warm start refuses clearly what it cannot do.
func TestTrainWarmStartErrors(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	day1 := filepath.Join(dir, "day1")
	if code, _, stderr := recforge(t, "train", "--model", "fm", "--data", warmDay1, "--epochs", "1", "--batch", "128",
		"--out", day1, "--cache-dir", cache); code != 0 {
		t.Fatalf("day one: exit %d: %s", code, stderr)
	}
	src := filepath.Join(day1, "model")
	man, err := artifact.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	var s feature.Schema
	if err := json.Unmarshal(man.Schema, &s); err != nil {
		t.Fatal(err)
	}
	s.Fields = append(s.Fields, feature.Field{Name: "C99", Type: feature.Categorical})
	b, _ := json.Marshal(map[string]any{"schema": s})
	added := filepath.Join(dir, "added.yaml")
	if err := os.WriteFile(added, b, 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"train", "--data", warmDay2, "--epochs", "1", "--cache-dir", cache}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing", []string{"--warm-start", filepath.Join(dir, "nowhere")}, "holds no artifact"},
		{"other model", []string{"--warm-start", src, "--model", "deepfm"}, "holds a fm model, the configuration names deepfm"},
		{"schema", []string{"--warm-start", src, "--config", added}, `schema mismatch: the schema adds "C99"`},
		{"refit alone", []string{"--refit-stats"}, "--refit-stats needs --warm-start"},
		{"folds", []string{"--warm-start", src, "--folds", "2"}, "--warm-start and --folds"},
	} {
		args := append(append(slices.Clone(base), tc.args...), "--out", filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-")))
		code, _, stderr := recforge(t, args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want an error containing %q", tc.name, code, stderr, tc.want)
		}
	}
}
