package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
)

// train --config applies the file's models section to the model it
// trains, as zoo and sequence do: the hyper-parameters it sets reach the
// artifact's manifest, and its epochs replace the train section's unless
// --epochs is given.
func TestTrainAppliesModelsSection(t *testing.T) {
	dir := t.TempDir()
	tr, va, te := ctrFiles(t, dir, 600)
	cfg := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfg, []byte(`train:
  epochs: 3
models:
  deepfm:
    params: {hidden: [7], embedding_dim: 3}
    epochs: 2
  fm:
    params: {embedding_dim: 5}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, extra ...string) (map[string]any, map[string]any) {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append([]string{"train", "--model", "deepfm", "--data", "criteo:" + tr, "--valid", "criteo:" + va, "--test", "criteo:" + te,
			"--config", cfg, "--batch", "256", "--out", out, "--cache-dir", filepath.Join(dir, "cache"), "--quiet"}, extra...)
		code, stdout, stderr := recforge(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		man, err := artifact.ReadManifest(filepath.Join(out, "model"))
		if err != nil {
			t.Fatal(err)
		}
		var hp map[string]any
		if err := json.Unmarshal(man.HyperParams, &hp); err != nil {
			t.Fatal(err)
		}
		return lastJSON(t, stdout), hp
	}
	o, hp := run("a")
	if h, _ := hp["hidden"].([]any); len(h) != 1 || h[0].(float64) != 7 || hp["embedding_dim"].(float64) != 3 {
		t.Errorf("hyper-parameters %v, want models.deepfm's hidden [7] and embedding_dim 3", hp)
	}
	if o["epochs"].(float64) != 2 {
		t.Errorf("%v epochs, want models.deepfm's 2", o["epochs"])
	}
	o, hp = run("b", "--epochs", "1")
	if o["epochs"].(float64) != 1 {
		t.Errorf("--epochs 1 ran %v epochs: the flag must win over the models section", o["epochs"])
	}
	if h, _ := hp["hidden"].([]any); !slices.Equal(h, []any{7.0}) {
		t.Errorf("hyper-parameters %v with --epochs, want hidden [7]", hp)
	}
}

// A mistake in the configuration file is reported as FILE:LINE:COL and the
// message, with the line and a caret: three lines, not the usage.
func TestConfigErrorIsShort(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ src, want string }{
		{"train:\n  epochs: 5\n  epoch: 4\n", `:3:3: unknown field "epoch"`},
		{"train:\n  epochs: x\n", ":2:11: want an integer, got a string"},
		{"train: {epochs: 3\nmodel: {name: lr}\n", ":"},
	} {
		cfg := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(cfg, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := recforge(t, "train", "--model", "lr", "--data", "synthetic:ctr?rows=2000", "--config", cfg, "--out", filepath.Join(dir, "run"))
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != 1 || stdout != "" || len(lines) > 3 || !strings.HasPrefix(lines[0], "recforge train: "+cfg+c.want) || !strings.HasSuffix(lines[len(lines)-1], "^") {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 1 and at most three lines, the first starting %q, the last a caret", c.src, code, stderr, cfg+c.want)
		}
	}
}
