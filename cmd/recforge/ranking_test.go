package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/synth"
)

// rankingData writes a small synthetic rating log as u.data.
func rankingData(t *testing.T) string {
	t.Helper()
	m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 2, Users: 120, Items: 150, Density: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "u.data")
	if err := m.WriteUDataFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// withoutTimings drops the timings of ranking's output: the seed lines'
// seconds and the JSON line.
func withoutTimings(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "  ("); i > 0 && strings.Contains(l, "seed ") {
			l = l[:i]
		}
		if !strings.HasPrefix(l, "{") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// Trained on shards and evaluated on any number of threads, every ranking
// model gives the same metrics, to the last digit printed, tuning included.
func TestRankingThreads(t *testing.T) {
	data := "movielens:" + rankingData(t)
	args := []string{"--model", "itempop,mf,gmf,mlp,neumf", "--data", data, "--epochs", "2", "--finetune-epochs", "1",
		"--shards", "3", "--tune", "--tune-lr", "0.001,0.01"}
	want, _, err := ranking(append(args, "--threads", "1")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(want, "neumf   seed 1: hr@10 ") {
		t.Fatalf("no NeuMF line:\n%s", want)
	}
	for _, th := range []string{"2", "3"} {
		got, _, err := ranking(append(args, "--threads", th)...)
		if err != nil {
			t.Fatal(err)
		}
		if withoutTimings(got) != withoutTimings(want) {
			t.Errorf("--threads %s:\n%s\nwant (--threads 1)\n%s", th, got, want)
		}
	}
	if _, _, err := ranking("--model", "gmf", "--data", data, "--shards", "-1"); err == nil || !strings.Contains(err.Error(), "--shards -1") {
		t.Errorf("--shards -1: %v", err)
	}
}

func ranking(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = runRanking(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

// Per-seed lines, then mean ± std per model, then one JSON object whose
// means are the means of the per-seed metrics.
func TestRankingOutput(t *testing.T) {
	data := "movielens:" + rankingData(t)
	out, _, err := ranking("--model", "itempop,gmf,mlp,neumf", "--data", data, "--epochs", "2", "--finetune-epochs", "1", "--seeds", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"itempop", "gmf", "mlp", "neumf"} {
		for _, s := range []int{1, 2} {
			if !strings.Contains(out, fmt.Sprintf("%-7s seed %d: hr@10 ", m, s)) {
				t.Errorf("no line for %s seed %d:\n%s", m, s, out)
			}
		}
		if !strings.Contains(out, fmt.Sprintf("%-7s hr@10 ", m)) || !strings.Contains(out, "±") {
			t.Errorf("no summary line for %s:\n%s", m, out)
		}
	}
	v := lastJSON(t, out)
	if v["protocol"] != "leave-one-out" || v["data"] != "movielens:u.data" {
		t.Fatalf("JSON %v", v)
	}
	results := v["results"].([]any)
	if len(results) != 4 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		r := r.(map[string]any)
		runs := r["runs"].([]any)
		var sum float64
		for _, run := range runs {
			sum += run.(map[string]any)["metrics"].(map[string]any)["ndcg@10"].(float64)
		}
		if mean := r["mean"].(map[string]any)["ndcg@10"].(float64); math.Abs(mean-sum/2) > 1e-12 {
			t.Errorf("%s: mean NDCG@10 %v, runs average %v", r["model"], mean, sum/2)
		}
	}
	neumf := results[3].(map[string]any)["settings"].(map[string]any)
	if neumf["pretrain"] != true || neumf["alpha"].(float64) != 0.5 || neumf["epochs"].(float64) != 1 {
		t.Errorf("NeuMF settings %v", neumf)
	}
	// The same command gives the same numbers.
	again, _, err := ranking("--model", "itempop,gmf,mlp,neumf", "--data", data, "--epochs", "2", "--finetune-epochs", "1", "--seeds", "2")
	if err != nil {
		t.Fatal(err)
	}
	if withoutTimings(out) != withoutTimings(again) {
		t.Errorf("two runs differ:\n%s\n%s", out, again)
	}
}

// --tune chooses from the grid on the validation hold-out and reports its
// trials; full ranking reports Recall@20 and NDCG@20.
func TestRankingTuneFullRanking(t *testing.T) {
	dir := t.TempDir()
	var train, test strings.Builder
	m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 4, Users: 80, Items: 100, Density: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[int32][]int32{}
	for k, u := range m.Users {
		byUser[u] = append(byUser[u], m.Items[k])
	}
	for u := range int32(m.NumUsers) {
		items := byUser[u]
		cut := len(items) * 4 / 5
		fmt.Fprintf(&train, "%d%s\n", u, idList(items[:cut]))
		fmt.Fprintf(&test, "%d%s\n", u, idList(items[cut:]))
	}
	for name, content := range map[string]string{"train.txt": train.String(), "test.txt": test.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, err := ranking("--model", "mf", "--data", "ml1m-implicit:"+dir, "--epochs", "3", "--tune", "--tune-lr", "0.01,0.001", "--tune-factors", "4,8")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(errOut, "tune mf"); n != 4 {
		t.Errorf("%d tuning lines, want 4:\n%s", n, errOut)
	}
	if !strings.Contains(out, "mf      seed 1: recall@20 ") {
		t.Errorf("no full-ranking line:\n%s", out)
	}
	v := lastJSON(t, out)
	r := v["results"].([]any)[0].(map[string]any)
	s := r["settings"].(map[string]any)
	if lr := s["lr"].(float64); lr != 0.01 && lr != 0.001 {
		t.Errorf("tuned lr %v", lr)
	}
	if f := s["factors"].(float64); f != 4 && f != 8 {
		t.Errorf("tuned factors %v", f)
	}
	if e := s["epochs"].(float64); e < 1 || e > 3 {
		t.Errorf("tuned epochs %v", e)
	}
	if len(r["trials"].([]any)) != 4 || v["tuned"] != true {
		t.Errorf("trials %v", r["trials"])
	}
}

func idList(items []int32) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, " %d", it)
	}
	return b.String()
}

func TestRankingErrors(t *testing.T) {
	data := "movielens:" + rankingData(t)
	for _, c := range []struct {
		args []string
		want string // "" for a usage error
	}{
		{[]string{"--model", "gmf"}, ""},
		{[]string{"--data", data}, ""},
		{[]string{"--model", "gmf", "--data", data, "extra"}, ""},
		{[]string{"--model", "bpr", "--data", data}, `unknown ranking model "bpr"`},
		{[]string{"--model", "gmf", "--data", "lastfm"}, "want KIND:PATH"},
		{[]string{"--model", "gmf", "--data", "ncf:/nonexistent/x"}, "/nonexistent/x.train.rating"},
		{[]string{"--model", "gmf", "--data", data, "--seeds", "0"}, "--seeds 0"},
		{[]string{"--model", "gmf", "--data", data, "--tune", "--tune-lr", "0.1,x"}, `--tune-lr: "x" is not a number`},
		{[]string{"--model", "mlp", "--data", data, "--layers", "63,8", "--epochs", "1"}, "even"},
		{[]string{"--model", "gmf", "--data", data, "--lr", "-1", "--epochs", "1"}, "lr = -1"},
	} {
		_, _, err := ranking(c.args...)
		switch {
		case c.want == "" && !errors.Is(err, errUsage):
			t.Errorf("%v: error %v, want a usage error", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	help, _, err := ranking("--help")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(help, "ml1m-implicit:DIR") || !strings.Contains(help, "--tune") {
		t.Errorf("--help: %v\n%s", err, help)
	}
}

// A pretrained NeuMF listed after gmf and mlp is tuned from their tuned
// models: GMF and MLP are tuned once each.
func TestRankingTuneSharesPretraining(t *testing.T) {
	data := "movielens:" + rankingData(t)
	_, errOut, err := ranking("--model", "gmf,mlp,neumf", "--data", data, "--epochs", "1", "--finetune-epochs", "1",
		"--tune", "--tune-lr", "0.01", "--tune-finetune-lr", "0.01,0.1")
	if err != nil {
		t.Fatal(err)
	}
	for m, want := range map[string]int{"gmf": 1, "mlp": 1, "neumf": 2} {
		if n := strings.Count(errOut, "tune "+m+" "); n != want {
			t.Errorf("%d tuning lines for %s, want %d:\n%s", n, m, want, errOut)
		}
	}
}

// --models names the list as zoo, sequence and bench do; --model, the old
// name, still works and means the same, and the help shows only --models.
func TestRankingModelsFlagAndAlias(t *testing.T) {
	data := "movielens:" + rankingData(t)
	plural, _, err := ranking("--models", "itempop", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	singular, _, err := ranking("--model", "itempop", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(out string) string {
		r := lastJSON(t, out)["results"].([]any)
		return fmt.Sprintln(len(r), r[0].(map[string]any)["model"], r[0].(map[string]any)["mean"])
	}
	if mean(plural) != mean(singular) || !strings.HasPrefix(mean(plural), "1 itempop ") {
		t.Errorf("--models and --model differ: %s, %s", mean(plural), mean(singular))
	}
	help, _, _ := ranking("--help")
	if !strings.Contains(help, "Usage: recforge ranking --models NAMES") || !strings.Contains(help, "\n  --models NAMES\n") || strings.Contains(help, "\n  --model ") {
		t.Errorf("help does not show --models alone:\n%s", help)
	}
	if _, _, err := ranking("--data", data); !errors.Is(err, errUsage) {
		t.Errorf("no models: %v, want a usage error", err)
	}
}
