package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RECFORGE_CACHE_DIR moves the default cache directory, and Prepare
// writes its caches there, named *CacheExt, with its fitted encoders
// (*EncodersExt); an explicit CacheDir wins.
func TestCacheDirEnv(t *testing.T) {
	env := t.TempDir()
	t.Setenv(CacheDirEnv, env)
	if got := DefaultCacheDir(); got != env {
		t.Fatalf("DefaultCacheDir() = %q with %s=%q", got, CacheDirEnv, env)
	}
	cfg := DefaultConfig()
	cfg.Model.Name = "lr"
	p, err := Prepare(context.Background(), &cfg, Inputs{Data: "synthetic:ctr?rows=2000&seed=1", SplitSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if got, _ := filepath.Glob(filepath.Join(env, "*"+CacheExt)); len(got) != 1 {
		t.Errorf("caches in %s: %v, want the source's one", env, got)
	}
	explicit := t.TempDir()
	p, err = Prepare(context.Background(), &cfg, Inputs{Data: "synthetic:ctr?rows=2000&seed=2", CacheDir: explicit, SplitSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if got, _ := filepath.Glob(filepath.Join(explicit, "*"+CacheExt)); len(got) != 1 {
		t.Errorf("caches in the explicit %s: %v", explicit, got)
	}
	// The first run's cache and fitted encoders, nothing of the second's.
	if got, _ := filepath.Glob(filepath.Join(env, "*")); len(got) != 2 || strings.Contains(strings.Join(got, " "), "seed_2") {
		t.Errorf("the explicit directory's run also wrote into %s: %v", env, got)
	}
	t.Setenv(CacheDirEnv, "")
	if got := DefaultCacheDir(); !strings.HasSuffix(got, "recforge") && !strings.HasSuffix(got, "recforge-cache") {
		t.Errorf("DefaultCacheDir() without the variable = %q", got)
	}
	if d, err := os.UserCacheDir(); err == nil && DefaultCacheDir() != filepath.Join(d, "recforge") {
		t.Errorf("DefaultCacheDir() = %q, want %q", DefaultCacheDir(), filepath.Join(d, "recforge"))
	}
}
