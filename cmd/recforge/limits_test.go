package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
