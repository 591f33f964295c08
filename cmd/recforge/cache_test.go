package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recforge/recforge/pipeline"
)

// train on a cache with 100 flipped bytes rebuilds it and trains exactly
// as on the intact cache, instead of trusting it (and panicking in an
// embedding layer on a flipped id).
func TestTrainRebuildsCorruptCache(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	args := []string{"train", "--model", "fm", "--data", "synthetic:ctr?rows=2000&seed=4", "--epochs", "1", "--batch", "128", "--cache-dir", cache, "--quiet"}
	code, stdout, stderr := recforge(t, append(args, "--out", filepath.Join(dir, "intact"))...)
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	want := lastJSON(t, stdout)["metrics"]

	caches, _ := filepath.Glob(filepath.Join(cache, "*.rfc"))
	if len(caches) != 1 {
		t.Fatalf("caches %v, want one", caches)
	}
	raw, err := os.ReadFile(caches[0])
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 3))
	for range 100 {
		raw[rng.IntN(len(raw))] ^= byte(1 + rng.IntN(255))
	}
	if err := os.WriteFile(caches[0], raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = recforge(t, append(args, "--out", filepath.Join(dir, "corrupt"))...)
	if code != 0 {
		t.Fatalf("on the corrupt cache: exit %d: %s", code, stderr)
	}
	if got := lastJSON(t, stdout)["metrics"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("on the corrupt cache: metrics %v, intact %v", got, want)
	}
}

// recforge cache reports the directory (and what chose it), the count and
// size of the caches and the killed builds' files; clean --dry-run lists
// them and removes nothing; clean removes them, leaves other files, and
// says how many bytes it freed.
func TestCacheCommand(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	for _, spec := range []string{"synthetic:ctr?rows=2000&seed=1", "synthetic:ctr?rows=1000&seed=2"} {
		if code, _, stderr := recforge(t, "data", "encode", "--data", spec, "--cache-dir", cache); code != 0 {
			t.Fatalf("data encode: exit %d: %s", code, stderr)
		}
	}
	caches, _ := filepath.Glob(filepath.Join(cache, "*.rfc"))
	if len(caches) != 2 {
		t.Fatalf("caches %v, want 2", caches)
	}
	// Each run also kept its fitted encoders beside its cache.
	fitted, _ := filepath.Glob(filepath.Join(cache, "*"+pipeline.EncodersExt))
	if len(fitted) != 2 {
		t.Fatalf("fitted-encoder files %v, want 2", fitted)
	}
	var cacheBytes int64
	for _, c := range append(caches, fitted...) {
		st, _ := os.Stat(c)
		cacheBytes += st.Size()
	}
	// A killed build's temporary file (7 bytes: no header yet) and a file
	// of the user's.
	if err := os.WriteFile(caches[0]+".123.tmp", []byte("RFCACHE"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(cache, "notes.txt")
	if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	size := fmt.Sprintf("(%d bytes)", cacheBytes)
	for _, args := range [][]string{{"cache", "--cache-dir", cache}, {"cache", "info", "--cache-dir", cache}} {
		code, stdout, stderr := recforge(t, args...)
		if code != 0 || !strings.Contains(stdout, "cache directory: "+cache+" (--cache-dir)") || !strings.Contains(stdout, "4 caches, ") ||
			!strings.Contains(stdout, size) || !strings.Contains(stdout, "1 temporary file of killed builds, 7 bytes") {
			t.Errorf("%v: exit %d, %s\n%s", args, code, stderr, stdout)
		}
	}
	code, stdout, _ := recforge(t, "cache", "clean", "--dry-run", "--cache-dir", cache)
	if left, _ := filepath.Glob(filepath.Join(cache, "*")); code != 0 || len(left) != 6 || strings.Count(stdout, "would remove "+cache) != 5 ||
		!strings.Contains(stdout, fmt.Sprintf("(%d bytes) freed", cacheBytes+7)) {
		t.Errorf("clean --dry-run: exit %d, left %v\n%s", code, left, stdout)
	}
	code, stdout, _ = recforge(t, "cache", "clean", "--cache-dir", cache)
	if code != 0 || !strings.Contains(stdout, "removed 4 caches and 1 temporary file of killed builds from "+cache) ||
		!strings.Contains(stdout, fmt.Sprintf("(%d bytes) freed", cacheBytes+7)) {
		t.Errorf("clean: exit %d\n%s", code, stdout)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "*")); len(left) != 1 || left[0] != mine {
		t.Errorf("clean left %v, want only %s", left, mine)
	}
	if _, stdout, _ := recforge(t, "cache", "--cache-dir", cache); !strings.Contains(stdout, "0 caches, 0 bytes") {
		t.Errorf("after clean:\n%s", stdout)
	}

	// The environment variable moves the default, and says so.
	env := filepath.Join(dir, "env")
	t.Setenv(pipeline.CacheDirEnv, env)
	code, stdout, _ = recforge(t, "cache")
	if code != 0 || !strings.Contains(stdout, "cache directory: "+env+" ($"+pipeline.CacheDirEnv+")") || !strings.Contains(stdout, "does not exist yet") {
		t.Errorf("cache under $%s: exit %d\n%s", pipeline.CacheDirEnv, code, stdout)
	}
	if code, _, stderr := recforge(t, "data", "encode", "--data", "synthetic:ctr?rows=1000&seed=3"); code != 0 {
		t.Fatalf("data encode: %s", stderr)
	}
	// The cache and the encoders fitted for it.
	if _, stdout, _ = recforge(t, "cache"); !strings.Contains(stdout, "2 caches, ") {
		t.Errorf("the encoded cache is not under $%s:\n%s", pipeline.CacheDirEnv, stdout)
	}
	// The help of the commands that write caches says where they go.
	for _, args := range [][]string{{"cache", "--help"}, {"train", "--help"}, {"data", "--help"}, {"data", "encode", "--help"}, {"zoo", "--help"}} {
		_, stdout, _ := recforge(t, args...)
		for _, w := range []string{"--cache-dir DIR", "$" + pipeline.CacheDirEnv, "(here: " + env + ")", "recforge cache clean"} {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v does not say %q", args, w)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"cache", "clen"}, "did you mean clean?"},
		{[]string{"cache", "info", "--dry-run"}, "--dry-run is for recforge cache clean"},
	} {
		if code, _, stderr := recforge(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, stderr)
		}
	}
}
