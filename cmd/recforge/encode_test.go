package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// data encode lists only the flags it uses: the data flags, each of which
// changes what it builds or where, and --threads; the training flags are
// refused.
func TestDataEncodeFlags(t *testing.T) {
	_, help, _ := recforge(t, "data", "encode", "--help")
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z-]+)`).FindAllStringSubmatch(help, -1) {
		listed = append(listed, m[1])
	}
	want := []string{"cache-dir", "config", "data", "max-line-bytes", "seed", "skip-bad", "test", "threads", "valid"}
	if !slices.Equal(listed, want) {
		t.Errorf("data encode lists %v, want %v", listed, want)
	}
	for _, f := range []string{"epochs", "batch"} {
		if code, _, stderr := recforge(t, "data", "encode", "--data", "synthetic:ctr?rows=2000", "--"+f, "2"); code != 2 || !strings.Contains(stderr, "unknown flag --"+f) {
			t.Errorf("data encode --%s: exit %d, %q; want a usage error", f, code, stderr)
		}
	}
	// --seed moves the split, --cache-dir the cache.
	dir := t.TempDir()
	rows := map[string]float64{}
	for _, seed := range []string{"1", "2"} {
		cache := filepath.Join(dir, seed)
		code, stdout, stderr := recforge(t, "data", "encode", "--data", "synthetic:ctr?rows=2000&seed=3", "--seed", seed, "--cache-dir", cache)
		if code != 0 {
			t.Fatalf("data encode --seed %s: exit %d: %s", seed, code, stderr)
		}
		res := lastJSON(t, stdout)
		rows[seed] = res["train_rows"].(float64)
		if n := res["train_rows"].(float64) + res["valid_rows"].(float64) + res["test_rows"].(float64); n != 2000 {
			t.Errorf("--seed %s: the parts hold %v rows, want 2000", seed, n)
		}
		if caches, _ := filepath.Glob(filepath.Join(cache, "*.rfc")); len(caches) == 0 {
			t.Errorf("--cache-dir %s: no cache written there", cache)
		}
	}
	if rows["1"] == rows["2"] {
		t.Errorf("--seed 1 and 2 both give %v training rows: the seed is not used", rows["1"])
	}
	var rf runFlags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	rf.registerData(fs, "")
	if fs.Lookup("epochs") != nil || fs.Lookup("threads") != nil {
		t.Error("registerData registers training flags")
	}
}

// data encode --threads N builds the very caches one thread builds, under
// the same names, and refuses a count below 1.
func TestDataEncodeThreads(t *testing.T) {
	dir := t.TempDir()
	spec := "synthetic:ctr?rows=40000&seed=4"
	files := map[string]map[string][]byte{}
	for _, n := range []string{"1", "2"} {
		cache := filepath.Join(dir, n)
		if code, _, stderr := recforge(t, "data", "encode", "--data", spec, "--threads", n, "--cache-dir", cache); code != 0 {
			t.Fatalf("--threads %s: exit %d: %s", n, code, stderr)
		}
		paths, _ := filepath.Glob(filepath.Join(cache, "*.rfc"))
		files[n] = map[string][]byte{}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[n][filepath.Base(p)] = b
		}
	}
	if len(files["1"]) == 0 || len(files["1"]) != len(files["2"]) {
		t.Fatalf("one thread wrote %d caches, two %d", len(files["1"]), len(files["2"]))
	}
	for name, b := range files["1"] {
		if !bytes.Equal(files["2"][name], b) {
			t.Errorf("cache %s differs with --threads 2", name)
		}
	}
	if code, _, stderr := recforge(t, "data", "encode", "--data", spec, "--threads", "0"); code != 2 || !strings.Contains(stderr, "--threads 0, want ≥ 1") {
		t.Errorf("--threads 0: exit %d, %q; want a usage error", code, stderr)
	}
}
