package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/train"
)

// ratingRuns are the rating models of the round trip below, each with a
// configuration small enough for a test: every model, and AutoRec with
// each of its optimizers (the full-batch ones with a batch holding every
// vector: 70 users, 50 items).
var ratingRuns = []struct{ name, model, config string }{
	{"baseline", "baseline", ""},
	{"biasedmf", "biasedmf", "model: {name: biasedmf, params: {factors: 4}}\ntrain: {batch: 16, early_stop: {patience: 0}}\n"},
	{"autorec-i", "autorec-i", "model: {name: autorec-i, params: {hidden: 8, lr: 0.01}}\ntrain: {batch: 8, early_stop: {patience: 0}}\n"},
	{"autorec-u-rprop", "autorec-u", "model: {name: autorec-u, params: {hidden: 8, optimizer: rprop, rprop_step: 0.01}}\ntrain: {batch: 100, early_stop: {patience: 0}}\n"},
	{"autorec-i-lbfgs", "autorec-i", "model: {name: autorec-i, params: {hidden: 8, optimizer: lbfgs}}\ntrain: {batch: 100, early_stop: {patience: 0}}\n"},
}

// Every rating model trains through recforge train (the rating task's
// preparation: the movielens schema's ids), writes an artifact, and
// predict, eval and serve load it: predict's scores are the trained
// model's own predictions of the test file bit for bit (the same run,
// in-process), eval's RMSE is the one training reported and the one of
// predict's scores, serving scores as predict does, and a rating whose
// user and item the training file lacks is predicted as the training mean.
// A run stopped after 2 of its 4 epochs and resumed trains epochs 3 and 4
// as an uninterrupted run does and ends with its weights, bit for bit.
func TestRatingModelsTrainPredictEvalServe(t *testing.T) {
	dir := t.TempDir()
	trainPattern, testPattern := ratingFolds(t)
	base := strings.ReplaceAll(trainPattern, "{fold}", "1")
	// The fold's test file, and ratings of an unseen user: of a seen item,
	// and of an unseen item.
	test := filepath.Join(dir, "r.test")
	raw, err := os.ReadFile(strings.ReplaceAll(testPattern, "{fold}", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(test, append(raw, "9999\t1\t3\t0\n9999\t8888\t4\t0\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	labels := ratingLabels(t, test)
	cache := filepath.Join(dir, "cache")
	serveArgs := []string{"--addr", "127.0.0.1:0"}
	predicted := map[string][]string{}
	for _, r := range ratingRuns {
		t.Run(r.name, func(t *testing.T) {
			cfgPath := filepath.Join(dir, r.name+".yaml")
			if err := os.WriteFile(cfgPath, []byte(r.config), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, r.name)
			code, stdout, stderr := recforge(t, "train", "--model", r.model, "--data", "movielens:"+base, "--test", "movielens:"+test,
				"--config", cfgPath, "--cache-dir", cache, "--quiet", "--epochs", "4", "--out", out)
			if code != 0 {
				t.Fatalf("train exit %d: %s", code, stderr)
			}
			res := lastJSON(t, stdout)
			rmse := res["metrics"].(map[string]any)["rmse"].(float64)
			art := filepath.Join(out, "model")

			// The same run in-process: its model's own predictions.
			cfg, err := pipeline.LoadConfig(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Model.Name, cfg.Train.Epochs = r.model, 4
			cfg = cfg.ForModel(r.model)
			p, err := pipeline.Prepare(context.Background(), &cfg, pipeline.Inputs{Data: "movielens:" + base, Test: "movielens:" + test, CacheDir: cache, SplitSeed: cfg.Train.Seed})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			o, err := pipeline.TrainModel(context.Background(), p, &cfg, "", pipeline.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			own, err := train.Predict(context.Background(), o.Trained, p.Test, train.Regression, cfg.Train.Batch)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			trainLabels := p.Train.Labels()
			for _, v := range trainLabels {
				sum += float64(v)
			}
			mean := float32(sum / float64(len(trainLabels)))

			code, stdout, stderr = recforge(t, "predict", "--artifact", art, "--data", "movielens:"+test)
			if code != 0 {
				t.Fatalf("predict exit %d: %s", code, stderr)
			}
			scores := strings.Fields(stdout)
			if len(scores) != len(labels) || len(own) != len(labels) {
				t.Fatalf("predict scored %d ratings, the model %d, of %d", len(scores), len(own), len(labels))
			}
			var se float64
			for i, s := range scores {
				if want := strconv.FormatFloat(float64(own[i]), 'g', -1, 32); s != want {
					t.Fatalf("rating %d: predict %s, the trained model %s", i, s, want)
				}
				v, _ := strconv.ParseFloat(s, 32)
				if !(v >= 1 && v <= 5) {
					t.Errorf("rating %d: %v outside the training range [1, 5]", i, v)
				}
				se += (v - float64(labels[i])) * (v - float64(labels[i]))
			}
			if got := scores[len(scores)-1]; got != strconv.FormatFloat(float64(mean), 'g', -1, 32) {
				t.Errorf("unseen user and item: %s, want the training mean %v", got, mean)
			}
			if got := math.Sqrt(se / float64(len(scores))); math.Abs(got-rmse) > 1e-12 {
				t.Errorf("RMSE of predict's scores %v, training reported %v", got, rmse)
			}
			code, stdout, stderr = recforge(t, "eval", "--artifact", art, "--data", "movielens:"+test)
			if code != 0 {
				t.Fatalf("eval exit %d: %s", code, stderr)
			}
			if got := lastJSON(t, stdout)["metrics"].(map[string]any)["rmse"]; got != rmse {
				t.Errorf("eval RMSE %v, training reported %v", got, rmse)
			}
			predicted[r.name] = scores
			serveArgs = append(serveArgs, "--artifact", r.name+"="+art)

			if r.model == "baseline" {
				return // fitted in closed form: nothing to resume
			}
			// Stopped after epoch 2, then resumed.
			resumed := filepath.Join(dir, r.name+"-resumed")
			stop, cancel := context.WithCancel(context.Background())
			defer cancel()
			stopAt2 := func(es train.EpochStats) {
				if es.Epoch == 2 {
					cancel()
				}
			}
			if _, err := pipeline.TrainModel(stop, p, &cfg, "", pipeline.RunOptions{Out: resumed, OnEpoch: stopAt2}); !errors.Is(err, context.Canceled) {
				t.Fatalf("the run stopped after epoch 2: %v", err)
			}
			if _, err := pipeline.TrainModel(context.Background(), p, &cfg, "", pipeline.RunOptions{Out: resumed, Resume: true}); err != nil {
				t.Fatal(err)
			}
			want, got := epochLog(t, out), epochLog(t, resumed)
			if len(want) != 4 || !slices.Equal(got, want) {
				t.Errorf("resumed epochs\n%s\nuninterrupted\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			a, err1 := os.ReadFile(filepath.Join(art, artifact.WeightsFile))
			b, err2 := os.ReadFile(filepath.Join(resumed, "model", artifact.WeightsFile))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("resumed weights differ from an uninterrupted run's (%v, %v)", err1, err2)
			}
		})
	}

	// Serving: every artifact at once, scoring the test file's ratings as
	// predict did.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, serveArgs, io.Discard, &logs) }()
	re := regexp.MustCompile(`listening on (http://\S+);`)
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line:\n%s", logs.String())
		}
	}
	// The features only: a server refuses columns the model does not read.
	rows := ratingRows(t, test)
	for _, r := range rows {
		delete(r, "rating")
		delete(r, "timestamp")
	}
	body, _ := json.Marshal(map[string]any{"rows": rows})
	for name, want := range predicted {
		resp, err := http.Post(addr+"/v1/models/"+name+":predict", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct{ Scores []float32 }
		err = json.Unmarshal(raw, &got)
		if err != nil || resp.StatusCode != 200 || len(got.Scores) != len(want) {
			t.Fatalf("%s: %d, %d scores, %v: %.300s", name, resp.StatusCode, len(got.Scores), err, raw)
		}
		for i, w := range want {
			if s := strconv.FormatFloat(float64(got.Scores[i]), 'g', -1, 32); s != w {
				t.Errorf("%s, rating %d: served %s, predict %s", name, i, s, w)
				break
			}
		}
	}
	cancel()
	<-done
}

// ratingRows reads a u.data file as rows of named columns.
func ratingRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(l, "\t")
		rows = append(rows, map[string]string{"user": f[0], "item": f[1], "rating": f[2], "timestamp": f[3]})
	}
	return rows
}

// ratingLabels reads the ratings of a u.data file.
func ratingLabels(t *testing.T, path string) []float32 {
	t.Helper()
	var out []float32
	for _, r := range ratingRows(t, path) {
		v, err := strconv.ParseFloat(r["rating"], 32)
		if err != nil {
			t.Fatal(fmt.Errorf("%s: %w", path, err))
		}
		out = append(out, float32(v))
	}
	return out
}

// epochLog returns the epochs' records of a run's train.jsonl without
// their timings.
func epochLog(t *testing.T, out string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(out, pipeline.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var es map[string]any
		if err := json.Unmarshal([]byte(l), &es); err != nil {
			t.Fatal(err)
		}
		delete(es, "seconds")
		delete(es, "train_rows_per_sec")
		b, _ := json.Marshal(es)
		lines = append(lines, string(b))
	}
	return lines
}
