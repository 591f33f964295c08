package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A --config whose aliases expand without bound ("billion laughs" in
// model.params) is refused by every command that reads one, at once and
// in bounded memory, with the file and the limit in a one-line error.
func TestConfigAliasBombRefused(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("model:\n  name: deepfm\n  params:\n    l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	cfg := filepath.Join(dir, "bomb.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := "synthetic:ctr?rows=200&seed=1"
	for _, args := range [][]string{
		{"train", "--data", data, "--config", cfg, "--out", filepath.Join(dir, "run")},
		{"zoo", "--data", data, "--config", cfg, "--out", filepath.Join(dir, "zoo")},
		{"data", "encode", "--data", data, "--config", cfg, "--cache-dir", filepath.Join(dir, "cache")},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		code, _, stderr := recforge(t, args...)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if code != 1 || !strings.Contains(stderr, cfg) || !strings.Contains(stderr, "limit of 100000") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want 1 and one line naming %s and the limit", args[0], code, stderr, cfg)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 || elapsed > 2*time.Second {
			t.Errorf("%s: refusing took %v and %d bytes", args[0], elapsed, alloc)
		}
	}
}

// A model too large for memory is refused before it is allocated, with
// the estimate and the limit, instead of the runtime's fatal "out of
// memory": hidden widths of 10⁵ and a huge embedding width.
func TestTrainRefusesModelThatCannotFit(t *testing.T) {
	t.Setenv("RECFORGE_MEMORY_LIMIT", "8GiB")
	dir := t.TempDir()
	for i, c := range []struct{ model, params, want string }{
		{"deepfm", "hidden: [100000, 100000, 100000]", "needs an estimated 67"},
		{"fm", "embedding_dim: 10000000", "needs an estimated"},
	} {
		cfg := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
		if err := os.WriteFile(cfg, []byte("model:\n  name: "+c.model+"\n  params: {"+c.params+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("run%d", i))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code, _, stderr := recforge(t, "train", "--data", "synthetic:ctr?rows=300&seed=1", "--config", cfg, "--out", out,
			"--cache-dir", filepath.Join(dir, "cache"), "--quiet")
		runtime.ReadMemStats(&after)
		for _, want := range []string{"recforge train: model " + c.model + ": " + c.want, "to train at batch 1024", "optimizer state", "more than the 8.0 GiB available (RECFORGE_MEMORY_LIMIT=8GiB)"} {
			if code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("%s {%s}: exit %d, stderr %q; want 1 and %q", c.model, c.params, code, stderr, want)
			}
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
			t.Errorf("%s {%s}: the refused run allocated %d bytes", c.model, c.params, alloc)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s {%s}: the refused run created %s", c.model, c.params, out)
		}
	}
}

// --max-line-bytes (and data: {max_line_bytes: N}) sets the line limit of
// every command that reads data, the long-line error names them, and an
// encoded cache built under one limit is not reused under another.
func TestMaxLineBytes(t *testing.T) {
	dir := t.TempDir()
	tr, va, te := ctrFiles(t, dir, 400)
	raw, err := os.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	lens := make([]int, len(lines))
	for i, l := range lines {
		lens[i] = len(l)
	}
	slices.Sort(lens)
	limit := lens[len(lens)*9/10] // about a tenth of the rows are longer
	long := 0
	for _, n := range lens {
		if n > limit {
			long++
		}
	}
	if long == 0 || long == len(lines) {
		t.Fatalf("limit %d leaves %d of %d lines too long", limit, long, len(lines))
	}
	lim := strconv.Itoa(limit)
	cache := filepath.Join(dir, "cache")
	hint := "raise the limit: --max-line-bytes or data: {max_line_bytes: N}"

	if code, _, stderr := recforge(t, "data", "inspect", "criteo:"+tr, "--max-line-bytes", lim); code != 1 || !strings.Contains(stderr, "line longer than "+lim+" bytes") || !strings.Contains(stderr, hint) {
		t.Errorf("data inspect --max-line-bytes %s: exit %d, %q", lim, code, stderr)
	}
	if code, _, stderr := recforge(t, "data", "inspect", "criteo:"+tr, "--max-line-bytes", lim, "--skip-bad"); code != 0 {
		t.Errorf("data inspect --skip-bad: exit %d, %q", code, stderr)
	}
	// Encoded under the limit with --skip-bad, the long rows are skipped;
	// encoded again without it, they are back: the cache is not reused.
	encode := func(extra ...string) map[string]any {
		t.Helper()
		code, stdout, stderr := recforge(t, append([]string{"data", "encode", "--data", "criteo:" + tr, "--cache-dir", cache}, extra...)...)
		if code != 0 {
			t.Fatalf("data encode %v: exit %d, %q", extra, code, stderr)
		}
		return lastJSON(t, stdout)
	}
	rows := func(o map[string]any) int {
		return int(o["train_rows"].(float64) + o["valid_rows"].(float64) + o["test_rows"].(float64))
	}
	if o := encode("--skip-bad", "--max-line-bytes", lim); int(o["skipped"].(float64)) != long || rows(o) != len(lines)-long {
		t.Errorf("encode under %d bytes: %v skipped, %d rows; want %d and %d", limit, o["skipped"], rows(o), long, len(lines)-long)
	}
	if o := encode("--skip-bad"); int(o["skipped"].(float64)) != 0 || rows(o) != len(lines) {
		t.Errorf("encode under the default limit after a smaller one: %v skipped, %d rows; want 0 and %d", o["skipped"], rows(o), len(lines))
	}
	// The configuration's key, and the flag over it.
	cfg := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfg, []byte("data: {max_line_bytes: "+lim+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"train", "--model", "lr", "--data", "criteo:" + tr, "--valid", "criteo:" + va, "--test", "criteo:" + te,
		"--epochs", "1", "--cache-dir", cache, "--quiet", "--config", cfg}
	if code, _, stderr := recforge(t, append(args, "--out", filepath.Join(dir, "a"))...); code != 1 || !strings.Contains(stderr, hint) {
		t.Errorf("train with max_line_bytes %s: exit %d, %q", lim, code, stderr)
	}
	out := filepath.Join(dir, "b")
	if code, _, stderr := recforge(t, append(args, "--out", out, "--max-line-bytes", "100000")...); code != 0 {
		t.Fatalf("train with --max-line-bytes over the file's: exit %d, %q", code, stderr)
	}
	// eval and predict take the flag too.
	for _, cmd := range []string{"eval", "predict"} {
		code, _, stderr := recforge(t, cmd, "--artifact", filepath.Join(out, "model"), "--data", "criteo:"+te, "--max-line-bytes", lim)
		if code != 1 || !strings.Contains(stderr, hint) {
			t.Errorf("%s --max-line-bytes %s: exit %d, %q", cmd, lim, code, stderr)
		}
	}
	if code, _, stderr := recforge(t, "data", "inspect", "criteo:"+tr, "--max-line-bytes", "-1"); code != 2 || !strings.Contains(stderr, "--max-line-bytes -1, want ≥ 0") {
		t.Errorf("--max-line-bytes -1: exit %d, %q", code, stderr)
	}
	if err := os.WriteFile(cfg, []byte("data: {max_line_bytes: -5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := recforge(t, append(args, "--out", filepath.Join(dir, "c"))...); code != 1 || !strings.Contains(stderr, "max_line_bytes = -5") {
		t.Errorf("max_line_bytes: -5: exit %d, %q", code, stderr)
	}
}

// An encoded cache records the line limit it was built under: rows
// skipped as too long under one limit are read under another, even where
// the fitted encoders come out the same (a long column the schema does not
// read, a hashed field: nothing fitted).
func TestCacheKeepsItsLineLimit(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("y,x,note\n")
	for i := range 200 {
		note := "short"
		if i%10 == 3 {
			note = strings.Repeat("long", 20)
		}
		fmt.Fprintf(&b, "%d,c%d,%s\n", i%2, i%7, note)
	}
	csv := filepath.Join(dir, "d.csv")
	cfg := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("schema:\n  fields:\n    - {name: y, type: label}\n    - {name: x, type: categorical, hash_buckets: 16}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	encode := func(extra ...string) map[string]any {
		t.Helper()
		code, stdout, stderr := recforge(t, append([]string{"data", "encode", "--data", "csv:" + csv, "--config", cfg, "--skip-bad",
			"--cache-dir", filepath.Join(dir, "cache")}, extra...)...)
		if code != 0 {
			t.Fatalf("data encode %v: exit %d, %q", extra, code, stderr)
		}
		return lastJSON(t, stdout)
	}
	if o := encode("--max-line-bytes", "40"); o["skipped"].(float64) != 20 {
		t.Fatalf("under 40 bytes: %v skipped, want the 20 long rows", o["skipped"])
	}
	if o := encode(); o["skipped"].(float64) != 0 || o["train_rows"].(float64)+o["valid_rows"].(float64)+o["test_rows"].(float64) != 200 {
		t.Errorf("under the default limit, after 40 bytes: %v", o)
	}
}
