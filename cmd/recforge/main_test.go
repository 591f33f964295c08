package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/synth"
)

// TestMain lets the test binary act as the recforge command, so that a
// test can run it as a process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("RECFORGE_AS_MAIN") == "1" {
		main()
		return
	}
	// A test that leaves out --cache-dir writes its caches here, not into
	// the user's cache directory.
	if os.Getenv(pipeline.CacheDirEnv) == "" {
		dir, err := os.MkdirTemp("", "recforge-test-cache-")
		if err != nil {
			panic(err)
		}
		os.Setenv(pipeline.CacheDirEnv, dir)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// recforge runs one command line in process.
func recforge(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// lastJSON decodes the last line of out.
func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("last stdout line is not JSON: %v\n%s", err, out)
	}
	return v
}

// ctrFiles writes consecutive rows of one synthetic CTR generator as
// train, valid and test files in Criteo's format.
func ctrFiles(t *testing.T, dir string, rows int) (trainF, validF, testF string) {
	t.Helper()
	g, err := synth.NewCTR(synth.CTRConfig{Seed: 10, CalibrationRows: 5000})
	if err != nil {
		t.Fatal(err)
	}
	all := filepath.Join(dir, "all.tsv")
	if err := g.WriteTSVFile(all, rows+rows/2); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	var paths []string
	for i, part := range [][]string{lines[:rows], lines[rows : rows+rows/4], lines[rows+rows/4 : rows+rows/2]} {
		p := filepath.Join(dir, []string{"train", "valid", "test"}[i]+".tsv")
		if err := os.WriteFile(p, []byte(strings.Join(part, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1], paths[2]
}

// Train → artifact → eval reproduces the test metrics; predict's scores
// give the same metrics; the run leaves its log and curves.
func TestTrainEvalPredictRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tr, va, te := ctrFiles(t, dir, 4000)
	out := filepath.Join(dir, "run")
	cache := filepath.Join(dir, "cache")
	cfg := filepath.Join(dir, "lr.yaml")
	if err := os.WriteFile(cfg, []byte("train:\n  epochs: 5\n  optimizer: {rule: adam, lr: 0.02}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := recforge(t, "train", "--model", "lr", "--data", "criteo:"+tr, "--valid", "criteo:"+va, "--test", "criteo:"+te,
		"--config", cfg, "--epochs", "2", "--batch", "256", "--out", out, "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	res := lastJSON(t, stdout)
	metrics := res["metrics"].(map[string]any)
	if res["model"] != "lr" || res["protocol"] != metric.ProtocolHoldout || res["artifact"] != filepath.Join(out, "model") || !(res["train_rows_per_sec"].(float64) > 0) {
		t.Fatalf("train result %v", res)
	}
	if auc := metrics["auc"].(float64); !(auc > 0.6 && auc < 1) {
		t.Errorf("test AUC %v", auc)
	}
	log, err := os.ReadFile(filepath.Join(out, "train.jsonl"))
	if err != nil || strings.Count(string(log), "\n") != 2 {
		t.Errorf("train.jsonl: %q, %v", log, err)
	}
	if svg, err := os.ReadFile(filepath.Join(out, "learning_curve.svg")); err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("learning curve: %v", err)
	}

	code, stdout, stderr = recforge(t, "eval", "--artifact", filepath.Join(out, "model"), "--data", "criteo:"+te)
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	ev := lastJSON(t, stdout)["metrics"].(map[string]any)
	for k, v := range metrics {
		if ev[k] != v {
			t.Errorf("eval %s = %v, training reported %v", k, ev[k], v)
		}
	}

	scoresPath := filepath.Join(dir, "scores.txt")
	if code, _, stderr = recforge(t, "predict", "--artifact", filepath.Join(out, "model"), "--data", "criteo:"+te, "--output", scoresPath); code != 0 {
		t.Fatalf("predict exit %d: %s", code, stderr)
	}
	raw, _ := os.ReadFile(scoresPath)
	var scores []float32
	for _, l := range strings.Fields(string(raw)) {
		v, err := strconv.ParseFloat(l, 32)
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, float32(v))
	}
	labels := testLabels(t, te)
	if len(scores) != len(labels) {
		t.Fatalf("%d scores for %d rows", len(scores), len(labels))
	}
	auc, _ := metric.AUC(scores, labels)
	ll, _ := metric.LogLoss(scores, labels)
	if auc != ev["auc"] || ll != ev["logloss"] {
		t.Errorf("predict's scores give auc %v logloss %v; eval %v %v", auc, ll, ev["auc"], ev["logloss"])
	}
	// The output file is not replaced unless asked.
	if code, _, stderr = recforge(t, "predict", "--artifact", filepath.Join(out, "model"), "--data", "criteo:"+te, "--output", scoresPath); code != 1 || !strings.Contains(stderr, "--overwrite") {
		t.Errorf("predict over an existing file: exit %d, %q", code, stderr)
	}
	// Nor is an earlier run.
	if code, _, stderr = recforge(t, "train", "--model", "lr", "--data", "criteo:"+tr, "--valid", "criteo:"+va, "--test", "criteo:"+te, "--out", out, "--cache-dir", cache); code != 1 || !strings.Contains(stderr, "--resume") {
		t.Errorf("train into an earlier run: exit %d, %q", code, stderr)
	}
}

func testLabels(t *testing.T, path string) []float32 {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for _, l := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		y = append(y, float32(l[0]-'0'))
	}
	return y
}

// A training process killed with SIGKILL resumes from its checkpoint and
// ends where an uninterrupted run ends.
func TestKilledTrainingResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process")
	}
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	spec := "synthetic:ctr?rows=20000&seed=2"
	args := []string{"train", "--model", "lr", "--data", spec, "--epochs", "6", "--batch", "64", "--cache-dir", cache, "--quiet"}

	code, stdout, stderr := recforge(t, append(args, "--out", filepath.Join(dir, "whole"))...)
	if code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, stderr)
	}
	want := lastJSON(t, stdout)

	out := filepath.Join(dir, "killed")
	cmd := exec.Command(os.Args[0], append(args, "--out", out)...)
	cmd.Env = append(os.Environ(), "RECFORGE_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(out, "checkpoint.safetensors")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if err == nil {
		t.Skip("the run finished before it could be killed")
	}
	log, _ := os.ReadFile(filepath.Join(out, "train.jsonl"))
	done := strings.Count(string(log), "\n")
	if done >= 6 {
		t.Skip("the run finished its epochs before it could be killed")
	}

	// What the kill left being written, whether or not it struck while a
	// checkpoint or the artifact was: the resumed run removes it.
	leftTemps(t, out)
	code, stdout, stderr = recforge(t, append(args, "--out", out, "--resume")...)
	if code != 0 {
		t.Fatalf("resumed run: exit %d: %s", code, stderr)
	}
	noTemps(t, out)
	got := lastJSON(t, stdout)
	if fmt.Sprint(got["metrics"]) != fmt.Sprint(want["metrics"]) || got["best_epoch"] != want["best_epoch"] {
		t.Errorf("killed after %d epochs and resumed: %v (best %v); uninterrupted: %v (best %v)", done, got["metrics"], got["best_epoch"], want["metrics"], want["best_epoch"])
	}
}

func TestUsageAndErrors(t *testing.T) {
	code, stdout, stderr := recforge(t, "train", "--help")
	if code != 0 || !strings.HasPrefix(stdout, "Usage: recforge train") || stderr != "" {
		t.Errorf("train --help: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"train", "--model", "lr"}, 2, "--data is required"},
		{[]string{"train", "--model", "nope", "--data", "synthetic:ctr?rows=2000", "--out", "/nonexistent/x"}, 1, `unknown model "nope"`},
		{[]string{"train", "--model", "lr", "--data", "nosuch:x"}, 1, `unknown reader "nosuch"`},
		{[]string{"eval", "--artifact", "/nonexistent"}, 2, "--data is required"},
		{[]string{"frobnicate"}, 2, "unknown command"},
	} {
		code, _, stderr := recforge(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.stderr)
		}
		if code == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: error is not one line: %q", c.args, stderr)
		}
	}
	code, stdout, _ = recforge(t, "models")
	if code != 0 {
		t.Fatalf("models: exit %d, %q", code, stdout)
	}
	// One line per registered model after the header, each naming its task
	// and paper, grouped by task.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(model.Names())+1 {
		t.Errorf("models: %d lines for %d models", len(lines), len(model.Names()))
	}
	last := -1
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		info, ok := model.Lookup(f[0])
		if !ok || len(f) < 2 || f[1] != info.Task || !strings.Contains(l, info.Citation) {
			t.Errorf("models: line %q does not give a model's task and paper", l)
			continue
		}
		i := slices.Index(model.Tasks(), info.Task)
		if i < last {
			t.Errorf("models: %q out of its task's group", l)
		}
		last = i
	}
}
