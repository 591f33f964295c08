package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/internal/shareddata"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

// sequence runs the sequence command in process (main.go registers it
// apart from this file).
func sequence(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = runSequence(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

// The sequence command trains on a behaviour spec's training part, tunes
// on its validation part and tests on its test part; on synthetic data it
// shows the oracle, and it reports what the histories take.
func TestSequenceCommand(t *testing.T) {
	name := "seqbase"
	if _, ok := model.Lookup(name); !ok {
		name = "lr" // the plumbing does not depend on the model
	}
	dir := t.TempDir()
	spec := "behavior:synthetic?users=300&items=80&categories=6&seed=4&max_len=12"
	out, _, err := sequence(t, "--data", spec, "--models", name, "--epochs", "2", "--batch", "64",
		"--cache-dir", filepath.Join(dir, "cache"), "--out", filepath.Join(dir, "board"), "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	lb := lastJSON(t, out)
	if !strings.Contains(lb["split"].(string), spec+"&part=test") {
		t.Errorf("split %q does not test on part=test", lb["split"])
	}
	oracle, _, err := behavior.SyntheticOracle(spec + "&part=test")
	if err != nil {
		t.Fatal(err)
	}
	refs := lb["references"].([]any)
	if len(refs) != 1 || refs[0].(map[string]any)["value"].(float64) != oracle {
		t.Errorf("references %v, want the test part's oracle AUC %v", refs, oracle)
	}
	metrics := lb["entries"].([]any)[0].(map[string]any)["metrics"].(map[string]any)
	for _, m := range []string{"auc", "gauc", "gauc_mean"} {
		if _, ok := metrics[m]; !ok {
			t.Errorf("no %s among the test metrics %v", m, metrics)
		}
	}
	if !strings.Contains(out, "bytes per training sample by reference") {
		t.Errorf("no memory line in\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "board", "leaderboard.csv")); err != nil {
		t.Error(err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", spec + "&part=train"}, "leave part out"},
		{[]string{"--data", "criteo:x.txt"}, "expected a behaviour spec"},
		{[]string{"--data", spec, "--test", "x"}, "--valid and --test do not apply"},
		{[]string{"--data", "behavior:sasrec?part_x=1"}, `unknown parameter "part_x"`},
		{[]string{"--data", spec, "--models", "nope"}, `unknown model "nope"`},
	} {
		_, _, err := sequence(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	help, _, _ := sequence(t, "--help")
	if !strings.Contains(help, "behavior:movielens?path=ml-100k") {
		t.Errorf("--help does not document the behaviour specs on stdout:\n%s", help)
	}
}

// recforge train reads behaviour specs as --data, --valid and --test once
// this package is linked in.
func TestTrainOnBehaviourParts(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log.txt")
	var b strings.Builder
	for u := 1; u <= 60; u++ {
		for k := range 6 + u%5 {
			b.WriteString(strconv.Itoa(u) + " " + strconv.Itoa(1+(u*7+k*3)%40) + "\n")
		}
	}
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := "behavior:sasrec?path=" + log + "&max_len=5"
	code, out, stderr := recforge(t, "train", "--model", "lr", "--data", spec+"&part=train", "--valid", spec+"&part=valid",
		"--test", spec+"&part=test", "--epochs", "1", "--cache-dir", filepath.Join(dir, "cache"), "--out", filepath.Join(dir, "run"), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	metrics := lastJSON(t, out)["metrics"].(map[string]any)
	if _, ok := metrics["gauc"]; !ok {
		t.Errorf("no gAUC among %v: the user is the group field", metrics)
	}
}

// The committed sequence configurations load, name registered models, and
// read only the columns of the behaviour reader.
func TestSequenceConfigs(t *testing.T) {
	files, err := filepath.Glob("../../configs/seq/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs/seq files: %v", err)
	}
	columns := map[string]bool{"label": true, "user": true, "item": true, "cat": true, "hist_item": true, "hist_cat": true}
	for _, f := range files {
		cfg, err := pipeline.LoadConfig(f)
		if err != nil {
			t.Fatal(err)
		}
		for name := range cfg.Models {
			if _, ok := model.Lookup(name); !ok {
				t.Errorf("%s: model %q is not registered", f, name)
			}
		}
		if cfg.Schema == nil {
			continue
		}
		for _, fl := range cfg.Schema.Fields {
			col := fl.Column
			if col == "" {
				col = fl.Name
			}
			if !columns[col] {
				t.Errorf("%s: field %q reads column %q, which behaviour samples lack", f, fl.Name, col)
			}
		}
	}
}

// The DIN-style models train on the Taobao fixture through its built-in
// schema: the click history shares the ad group's table.
func TestTaobaoFixtureTrains(t *testing.T) {
	dir := shareddata.Dir(t, "fixtures", "fuxictr-taobao")
	name := "din"
	if _, ok := model.Lookup(name); !ok {
		t.Skip("no din model registered")
	}
	tmp := t.TempDir()
	test := "taobao:" + filepath.Join(dir, "test_sample.csv")
	code, out, stderr := recforge(t, "train", "--model", name, "--data", "taobao:"+filepath.Join(dir, "train_sample.csv"),
		"--valid", test, "--test", test, "--epochs", "1", "--batch", "32", "--cache-dir", filepath.Join(tmp, "cache"), "--out", filepath.Join(tmp, "run"), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, ok := lastJSON(t, out)["metrics"].(map[string]any)["auc"]; !ok {
		t.Errorf("no test AUC in %s", out)
	}
}
