package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// seqSpec is a small behaviour source; part is train, valid or test.
func seqSpec(part string) string {
	return "behavior:synthetic?users=60&items=40&categories=5&seed=2&max_len=8&part=" + part
}

// trainSeq trains model name on seqSpec for one epoch into dir/name and
// returns the run directory and the command's stderr.
func trainSeq(t *testing.T, dir, name string, extra ...string) (run, stderr string) {
	t.Helper()
	run = filepath.Join(dir, name)
	args := append([]string{"train", "--model", name, "--data", seqSpec("train"), "--valid", seqSpec("valid"), "--test", seqSpec("test"),
		"--epochs", "1", "--batch", "64", "--out", run, "--cache-dir", filepath.Join(dir, "cache")}, extra...)
	code, _, stderr := recforge(t, args...)
	if code != 0 {
		t.Fatalf("train %s: exit %d: %s", name, code, stderr)
	}
	return run, stderr
}

// recforge train shows DIEN's mean auxiliary loss of each epoch, the value
// its train.jsonl records.
func TestTrainShowsAuxLoss(t *testing.T) {
	dir := t.TempDir()
	run, stderr := trainSeq(t, dir, "dien", "--config", seqWriteFile(t, dir, "dien.yaml", "model: {name: dien, params: {hidden: [8]}}\n"))
	m := regexp.MustCompile(`dien epoch 1: train loss [0-9.]+ \(aux ([0-9.]+)\)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no aux loss in\n%s", stderr)
	}
	raw, err := os.ReadFile(filepath.Join(run, "train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var es struct {
		AuxLoss *float64 `json:"aux_loss"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &es); err != nil || es.AuxLoss == nil {
		t.Fatalf("train.jsonl %s: no aux_loss (%v)", raw, err)
	}
	if shown, _ := strconv.ParseFloat(m[1], 64); m[1] != fmt.Sprintf("%.4f", *es.AuxLoss) || !(shown > 0) {
		t.Errorf("shown aux %s, logged %v", m[1], *es.AuxLoss)
	}
	_, stderr = trainSeq(t, dir, "din", "--config", seqWriteFile(t, dir, "din.yaml", "model: {name: din, params: {hidden: [8]}}\n"))
	if strings.Contains(stderr, "aux") {
		t.Errorf("din shows an auxiliary loss:\n%s", stderr)
	}
}

// seqWriteFile writes content to dir/name and returns the path.
func seqWriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recforge train trains DIEN with its auxiliary loss on shards: the same
// losses, auxiliary included, and validation metrics on 1 and 2 threads,
// bit for bit.
func TestTrainDIENOnShards(t *testing.T) {
	dir := t.TempDir()
	cfg := seqWriteFile(t, dir, "dien.yaml", "model: {name: dien, params: {hidden: [8]}}\n")
	var logs [2]string
	for k, threads := range []string{"1", "2"} {
		run, _ := trainSeq(t, filepath.Join(dir, threads), "dien", "--config", cfg, "--shards", "3", "--threads", threads)
		raw, err := os.ReadFile(filepath.Join(run, "train.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var es map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &es); err != nil {
			t.Fatal(err)
		}
		if _, ok := es["aux_loss"]; !ok {
			t.Fatalf("train.jsonl %s: no aux_loss", raw)
		}
		delete(es, "train_rows_per_sec")
		delete(es, "seconds")
		b, _ := json.Marshal(es)
		logs[k] = string(b)
	}
	if logs[0] != logs[1] {
		t.Errorf("3 shards on 1 thread logged %s, on 2 threads %s", logs[0], logs[1])
	}
}
