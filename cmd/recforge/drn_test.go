package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/rl"
	"github.com/recforge/recforge/train"
)

func drn(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = runDRN(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

// tinyDRNArgs is a generative world small enough for a test: 60 users over
// three days, 20 candidates, 12-hour windows.
var tinyDRNArgs = []string{"--users", "60", "--hours", "72", "--pool", "20", "--window", "12", "--warmup", "12"}

// The tables, the files and the JSON line agree with each other and with what
// the oracle guarantees (precision 1), and a rerun is identical.
func TestDRNTinyWorld(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"--policies", "random,offline-deepfm,drn,oracle", "--seeds", "2", "--out", dir}, tinyDRNArgs...)
	out, errOut, err := drn(args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, p := range []string{"random", "offline-deepfm", "drn", "oracle"} {
		for _, s := range []string{"seed 1:", "seed 2:"} {
			if !strings.Contains(errOut, p) || !strings.Contains(errOut, s) {
				t.Errorf("no progress line for %s %s:\n%s", p, s, errOut)
			}
		}
	}
	if !strings.Contains(out, "whole run (0–72 h)") || !strings.Contains(out, "long run (36–72 h)") {
		t.Errorf("table headers missing:\n%s", out)
	}
	v := lastJSON(t, out)
	if v["world"] != "generative" || v["horizon_hours"] != 72.0 || v["long_run_from_hours"] != 36.0 || v["window_hours"] != 12.0 {
		t.Fatalf("JSON header %v", v)
	}
	results := v["results"].([]any)
	if len(results) != 4 {
		t.Fatalf("%d results, want 4", len(results))
	}
	for _, r := range results {
		r := r.(map[string]any)
		for _, part := range []string{"whole", "long_run"} {
			for _, m := range rl.ExperimentMetrics() {
				s := r[part].(map[string]any)[m].(map[string]any)
				runs := s["runs"].([]any)
				if len(runs) != 2 {
					t.Fatalf("%s %s %s: %d runs", r["policy"], part, m, len(runs))
				}
				a, b := runs[0].(float64), runs[1].(float64)
				mean, std := (a+b)/2, math.Abs(a-b)/math.Sqrt2
				if math.Abs(s["mean"].(float64)-mean) > 1e-12 || math.Abs(s["std"].(float64)-std) > 1e-12 {
					t.Errorf("%s %s %s: mean %v std %v, want %v %v", r["policy"], part, m, s["mean"], s["std"], mean, std)
				}
			}
		}
		if r["policy"] == "oracle" {
			if p := r["whole"].(map[string]any)["precision"].(map[string]any)["mean"].(float64); p != 1 {
				t.Errorf("oracle precision %v, want 1", p)
			}
		}
	}
	f, err := os.Open(filepath.Join(dir, "drn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 1+2*4 || rows[0][0] != "policy" {
		t.Fatalf("drn.csv: %v, %d rows", err, len(rows))
	}
	for _, name := range []string{"drn.json", "drn.svg", "drn.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Determinism: the same command gives the same table.
	out2, _, err := drn(args...)
	if err != nil {
		t.Fatal(err)
	}
	table := func(s string) string { return s[:strings.Index(s, "\nfiles:")] }
	if table(out) != table(out2) {
		t.Errorf("rerun differs:\n%s\n---\n%s", table(out), table(out2))
	}
}

// --save-policy writes the drn agent's Q-network as an artifact that the
// serving path loads: the registered model drn, a regression task (scores
// are Q-values), and the run it came from.
func TestDRNSavePolicy(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "runs", "policy") // the parent is created
	args := append([]string{"--policies", "random,drn", "--seeds", "1", "--out", dir, "--save-policy", policy, "--quiet"}, tinyDRNArgs...)
	out, errOut, err := drn(args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if v := lastJSON(t, out); v["policy_artifact"] != policy {
		t.Errorf("policy_artifact %v, want %s", v["policy_artifact"], policy)
	}
	l, err := pipeline.Load(policy, 16)
	if err != nil {
		t.Fatal(err)
	}
	if l.Manifest.Model != "drn" || l.Task != train.Regression || !strings.Contains(l.Manifest.Protocol, "generative world, seed 1") {
		t.Errorf("artifact: model %q, task %q, protocol %q", l.Manifest.Model, l.Task, l.Manifest.Protocol)
	}
	if _, _, err := drn("--policies", "random", "--save-policy", policy, "--out", dir); err == nil || !strings.Contains(err.Error(), "add drn to --policies") {
		t.Errorf("--save-policy without drn: %v", err)
	}
}

// The Q-network is registered like every model, but learns in the
// simulator: training it on a data file points to recforge drn.
func TestTrainDRNPointsToSimulator(t *testing.T) {
	dir := t.TempDir()
	trainF, _, _ := ctrFiles(t, dir, 50)
	code, _, errOut := recforge(t, "train", "--model", "drn", "--data", "criteo:"+trainF, "--out", filepath.Join(dir, "run"), "--quiet")
	if code == 0 || !strings.Contains(errOut, "run recforge drn") {
		t.Errorf("exit %d, stderr %q; want an error pointing to recforge drn", code, errOut)
	}
}

func TestDRNBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--policies", "random,nope"}, `unknown policy "nope"`},
		{[]string{"--policies", "drn,drn"}, "twice"},
		{[]string{"--world", "mars"}, `unknown --world "mars"`},
		{[]string{"--seeds", "0"}, "--seeds 0"},
		{[]string{"--k", "0"}, "--k 0"},
		{[]string{"--long-run", "1.5"}, "--long-run"},
		{[]string{"--warmup", "0"}, "WarmupHours"},
		{[]string{"--data", dir}, "--data is for replay worlds"},
		{[]string{"--world", "ml-100k", "--data", filepath.Join(dir, "none")}, "u.data"},
	} {
		_, _, err := drn(append(c.args, "--out", dir)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	if _, _, err := drn("--world", "ml-100k"); !errors.Is(err, errUsage) {
		t.Errorf("ml-100k without --data: %v, want errUsage", err)
	}
	if _, _, err := drn("--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	if _, _, err := drn("extra"); !errors.Is(err, errUsage) {
		t.Errorf("positional argument: %v", err)
	}
}
