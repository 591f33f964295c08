package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/recforge/recforge/model"
)

const tuneData = "synthetic:ctr?rows=4000&seed=1&max_vocab=50"

// train --tune prints a line per trial and per rung, then the final
// training's JSON line with a "tuned" summary, and writes trials.jsonl,
// trials.svg and tuned.yaml beside the run's files; train --config
// tuned.yaml on the same data then reports the very same metrics. With
// --quiet nothing goes to stderr.
func TestTrainTune(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	cache := filepath.Join(dir, "cache")
	code, stdout, stderr := recforge(t, "train", "--model", "fm", "--data", tuneData, "--epochs", "3", "--batch", "256",
		"--tune", "--tune-trials", "6", "--tune-seed", "4", "--out", out, "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Rungs of 6 and 6/3 = 2 trials, each of max(1, ⌊3/9⌋) and
	// max(1, ⌊3/3⌋) = 1 epoch (the second rung's scores reused), then the
	// chosen one's 3 epochs.
	if n := len(regexp.MustCompile(`(?m)^tune fm rung 0: trial \d \(.*\): 1 epoch, valid auc 0\.\d{4}`).FindAllString(stderr, -1)); n != 6 {
		t.Errorf("%d trial lines for rung 0, want 6:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, "tune fm rung 0 (6 trials × 1 epoch): kept trials ") || !strings.Contains(stderr, "tune fm rung 1 (2 trials × 1 epoch): chose trial ") {
		t.Errorf("no rung lines in\n%s", stderr)
	}
	o := lastJSON(t, stdout)
	tuned, ok := o["tuned"].(map[string]any)
	if !ok {
		t.Fatalf("no tuned summary in %v", o)
	}
	if tuned["trials"].(float64) != 6 || tuned["rungs"].(float64) != 2 || tuned["budget"].(float64) != 3 || tuned["seed"].(float64) != 4 ||
		tuned["config"] != filepath.Join(out, "tuned.yaml") || tuned["metric"] != "auc" {
		t.Errorf("tuned %v", tuned)
	}
	for _, f := range []string{"trials.jsonl", "trials.svg", "tuned.yaml", "model", "train.jsonl", "learning_curve.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "trials.jsonl"))
	if n := strings.Count(string(b), "\n"); n != 6+2+1 {
		t.Errorf("%d lines in trials.jsonl, want 9", n)
	}
	yaml, _ := os.ReadFile(filepath.Join(out, "tuned.yaml"))
	if !strings.Contains(string(yaml), "#   recforge train --config tuned.yaml --data '"+tuneData+"'\n") {
		t.Errorf("tuned.yaml does not say how to reproduce it:\n%s", yaml)
	}

	code, stdout2, stderr2 := recforge(t, "train", "--config", filepath.Join(out, "tuned.yaml"), "--data", tuneData,
		"--out", filepath.Join(dir, "again"), "--cache-dir", cache, "--quiet")
	if code != 0 {
		t.Fatalf("train --config tuned.yaml: exit %d\n%s", code, stderr2)
	}
	o2 := lastJSON(t, stdout2)
	m1, _ := json.Marshal(o["metrics"])
	m2, _ := json.Marshal(o2["metrics"])
	if string(m1) != string(m2) || o["epochs"] != o2["epochs"] || o["best_epoch"] != o2["best_epoch"] {
		t.Errorf("tuned.yaml trained to %s (%v epochs), the search's final training %s (%v)", m2, o2["epochs"], m1, o["epochs"])
	}
	w1, _ := os.ReadFile(filepath.Join(out, "model", "weights.safetensors"))
	w2, _ := os.ReadFile(filepath.Join(dir, "again", "model", "weights.safetensors"))
	if len(w1) == 0 || string(w1) != string(w2) {
		t.Errorf("tuned.yaml trained to other weights than the search's final training (%d and %d bytes)", len(w1), len(w2))
	}

	code, _, stderr = recforge(t, "train", "--model", "lr", "--data", tuneData, "--epochs", "2", "--tune", "--tune-trials", "3",
		"--out", filepath.Join(dir, "quiet"), "--cache-dir", cache, "--quiet")
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, stderr)
	}
}

// zoo --tune and sequence --tune search each model, write its search
// into OUT/tune/MODEL and name its tuned.yaml in the leaderboard.
func TestZooAndSequenceTune(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		models []string
	}{
		{[]string{"zoo", "--data", tuneData, "--models", "lr,fm"}, []string{"lr", "fm"}},
		{[]string{"sequence", "--data", "behavior:synthetic?users=300&items=60&categories=6&seed=7", "--models", "seqbase"}, []string{"seqbase"}},
	} {
		out := filepath.Join(dir, c.args[0])
		args := append(c.args, "--epochs", "2", "--tune", "--tune-trials", "3", "--out", out, "--cache-dir", filepath.Join(dir, "cache"))
		code, stdout, stderr := recforge(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		lb := lastJSON(t, stdout)
		entries := lb["entries"].([]any)
		if len(entries) != len(c.models) {
			t.Fatalf("%v: %d entries", args, len(entries))
		}
		for _, e := range entries {
			e := e.(map[string]any)
			name := e["model"].(string)
			tuned, ok := e["tuned"].(map[string]any)
			want := filepath.Join(out, "tune", name, "tuned.yaml")
			if !ok || tuned["config"] != want || tuned["trials"].(float64) != 3 {
				t.Errorf("%v: %s tuned %v", args, name, e["tuned"])
			}
			for _, f := range []string{"trials.jsonl", "trials.svg", "tuned.yaml"} {
				if _, err := os.Stat(filepath.Join(out, "tune", name, f)); err != nil {
					t.Error(err)
				}
			}
			if !strings.Contains(stderr, "tune "+name+": chose trial ") {
				t.Errorf("%v: no choice line for %s in\n%s", args, name, stderr)
			}
		}
	}
}

// The search's flags are checked as usage errors: one line, exit 2.
func TestTuneFlagMistakes(t *testing.T) {
	syn := "synthetic:ctr?rows=2000"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--model", "lr", "--data", syn, "--tune", "--tune-trials", "1"}, "--tune-trials 1, want 2 to 10000"},
		{[]string{"train", "--model", "lr", "--data", syn, "--tune-trials", "4"}, "--tune-trials needs --tune"},
		{[]string{"zoo", "--data", syn, "--tune-seed", "4"}, "--tune-seed needs --tune"},
		{[]string{"train", "--model", "lr", "--data", syn, "--tune", "--tune-budget", "0"}, "--tune-budget 0, want ≥ 1"},
		{[]string{"sequence", "--data", "behavior:synthetic?users=100", "--tune", "--tune-eta", "1"}, "--tune-eta 1, want ≥ 2"},
		{[]string{"train", "--model", "lr", "--data", syn, "--tune", "--folds", "2"}, "--tune and --folds"},
		{[]string{"train", "--model", "lr", "--data", syn, "--tune", "--resume"}, "--tune and --resume"},
		{[]string{"train", "--model", "lr", "--data", syn, "--tune", "--tune-trials", "x"}, `--tune-trials "x": want an integer`},
	} {
		code, stdout, stderr := recforge(t, c.args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line saying %q", c.args, code, stdout, stderr, c.want)
		}
	}
	// A model with nothing to tune is an error before any data is read,
	// not a panic.
	code, _, stderr := recforge(t, "train", "--model", "itempop", "--data", "ncf:nowhere/x", "--tune")
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "itempop has no hyper-parameters to tune") {
		t.Errorf("itempop --tune: exit %d, %q", code, stderr)
	}
}

// Every command that tunes documents the flags in its help.
func TestTuneHelp(t *testing.T) {
	for _, cmd := range []string{"train", "zoo", "sequence", "ratings"} {
		_, out, _ := recforge(t, cmd, "--help")
		for _, f := range []string{"  --tune\n", "  --tune-trials N\n", "  --tune-budget EPOCHS\n", "  --tune-eta ETA\n", "  --tune-seed uint\n", "never the test part"} {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help lacks %q", cmd, f)
			}
		}
	}
}

// docs/tuning.md's table of search spaces is every model's space as
// model.SpaceOf gives it, so that the page cannot drift from the code;
// the models without one are named below it.
func TestTuningDocListsEverySpace(t *testing.T) {
	b, err := os.ReadFile("../../docs/tuning.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| ([a-z]+) \\| (.+) \\|$").FindAllStringSubmatch(doc, -1) {
		rows[m[1]] = m[2] + " | " + m[3]
	}
	for _, name := range model.Names() {
		s, err := model.SpaceOf(name)
		if err != nil {
			if _, listed := rows[name]; listed || !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("%s has no search space (%v): the page should name it below the table, not in it", name, err)
			}
			continue
		}
		info, _ := model.Lookup(name)
		var parts []string
		for _, p := range s {
			parts = append(parts, p.String())
		}
		if want := info.Task + " | " + strings.Join(parts, "; "); rows[name] != want {
			t.Errorf("docs/tuning.md lists %s as\n  %s\nwant\n  %s", name, rows[name], want)
		}
		delete(rows, name)
	}
	for name := range rows {
		t.Errorf("docs/tuning.md lists %s, which is not a registered model", name)
	}
}

// ratings --tune searches each fold's model on the fold's validation part
// (a line per trial and rung, then the choice, on stderr) and reports the
// choice in each fold's JSON; the budget bounds the protocol's epochs.
func TestRatingsTune(t *testing.T) {
	train, test := ratingFolds(t)
	out, errOut, err := ratings(t, "--model", "biasedmf", "--train", train, "--test", test, "--folds", "2",
		"--tune", "--tune-trials", "4", "--tune-budget", "6")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if n := strings.Count(errOut, "tune biasedmf: chose trial "); n != 2 {
		t.Errorf("%d choice lines, want one per fold:\n%s", n, errOut)
	}
	if !strings.Contains(errOut, "tune biasedmf rung 0 (4 trials × 2 epochs): chose trial ") {
		t.Errorf("no rung line in\n%s", errOut)
	}
	v := lastJSON(t, out)
	if v["protocol"].(map[string]any)["tuned"] != true {
		t.Errorf("protocol %v", v["protocol"])
	}
	for _, f := range v["folds"].([]any) {
		f := f.(map[string]any)
		tuned, ok := f["tuned"].(map[string]any)
		if !ok || tuned["metric"] != "rmse" || tuned["trials"].(float64) != 4 || tuned["budget"].(float64) != 6 {
			t.Errorf("fold %v: tuned %v", f["fold"], f["tuned"])
		}
		if f["epochs"].(float64) > 6 {
			t.Errorf("fold %v chose %v epochs, beyond the budget of 6", f["fold"], f["epochs"])
		}
	}
	// Without --tune, its settings are mistakes.
	if _, _, err := ratings(t, "--model", "biasedmf", "--train", train, "--test", test, "--tune-budget", "3"); err == nil || !strings.Contains(err.Error(), "--tune-budget needs --tune") {
		t.Errorf("--tune-budget without --tune: %v", err)
	}
}
