package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// predict --threads 2 and 3 print byte for byte what --threads 1 prints,
// and eval the same metrics, for DCN with batch normalization (buffers
// each replica copies) scored in batches of 64 (a short last one);
// --threads 0 is a usage error.
func TestPredictEvalThreadsIdentical(t *testing.T) {
	dir := t.TempDir()
	tr, va, te := ctrFiles(t, dir, 2000)
	cfg := filepath.Join(dir, "dcn.yaml")
	if err := os.WriteFile(cfg, []byte("model: {name: dcn, params: {hidden: [16, 8], cross_layers: 2, batch_norm: true}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if code, _, stderr := recforge(t, "train", "--data", "criteo:"+tr, "--valid", "criteo:"+va, "--test", "criteo:"+te, "--config", cfg,
		"--epochs", "1", "--batch", "128", "--out", out, "--cache-dir", filepath.Join(dir, "cache"), "--quiet"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	art := filepath.Join(out, "model")
	var want, wantEval string
	for _, threads := range []string{"1", "2", "3"} {
		code, got, stderr := recforge(t, "predict", "--artifact", art, "--data", "criteo:"+te, "--batch", "64", "--threads", threads)
		if code != 0 {
			t.Fatalf("predict --threads %s: exit %d: %s", threads, code, stderr)
		}
		code, ev, stderr := recforge(t, "eval", "--artifact", art, "--data", "criteo:"+te, "--batch", "64", "--threads", threads)
		if code != 0 {
			t.Fatalf("eval --threads %s: exit %d: %s", threads, code, stderr)
		}
		if threads == "1" {
			want, wantEval = got, ev
			if n := strings.Count(got, "\n"); n != 500 {
				t.Fatalf("predict printed %d scores of 500 rows", n)
			}
			continue
		}
		if got != want {
			t.Errorf("predict --threads %s printed other scores than --threads 1", threads)
		}
		if ev != wantEval {
			t.Errorf("eval --threads %s: %s, --threads 1: %s", threads, ev, wantEval)
		}
	}
	for _, cmd := range []string{"predict", "eval"} {
		if code, _, stderr := recforge(t, cmd, "--artifact", art, "--data", "criteo:"+te, "--threads", "0"); code != 2 || !strings.Contains(stderr, "--threads 0, want ≥ 1") {
			t.Errorf("%s --threads 0: exit %d: %s", cmd, code, stderr)
		}
	}
}
