package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
