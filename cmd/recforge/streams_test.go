package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/internal/corruptgz"
)

// runWithin runs one command line in process under ctx and fails the
// test if it has not returned within d.
func runWithin(t *testing.T, ctx context.Context, d time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var o, e bytes.Buffer
		c := run(ctx, args, &o, &e)
		done <- result{c, o.String(), e.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(d):
		t.Fatalf("recforge %s did not return within %v", strings.Join(args, " "), d)
		return 0, "", ""
	}
}

// Every command that reads data fails with the file and the line where a
// corrupt or truncated gzip file breaks, --skip-bad or not, where it used
// to spin forever skipping the same error.
func TestCorruptGzipFailsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	tr, va, te := ctrFiles(t, dir, 3000)
	run0 := filepath.Join(dir, "run")
	cache := filepath.Join(dir, "cache")
	if code, _, stderr := recforge(t, "train", "--model", "lr", "--data", "criteo:"+tr, "--valid", "criteo:"+va, "--test", "criteo:"+te,
		"--epochs", "1", "--out", run0, "--cache-dir", cache, "--quiet"); code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	content, err := os.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range corruptgz.Kinds {
		bad := filepath.Join(dir, k.String()+".gz")
		if err := os.WriteFile(bad, corruptgz.Make(content, k), 0o644); err != nil {
			t.Fatal(err)
		}
		spec := "criteo:" + bad
		for _, args := range [][]string{
			{"train", "--model", "lr", "--data", spec, "--epochs", "1", "--out", filepath.Join(dir, "run-"+k.String()), "--cache-dir", cache, "--quiet"},
			{"eval", "--artifact", filepath.Join(run0, "model"), "--data", spec},
			{"predict", "--artifact", filepath.Join(run0, "model"), "--data", spec, "--output", filepath.Join(dir, "scores-"+k.String())},
			{"data", "inspect", spec},
			{"data", "encode", "--data", spec, "--cache-dir", cache},
		} {
			args = append(args, "--skip-bad")
			code, _, stderr := runWithin(t, context.Background(), 20*time.Second, args...)
			if code != 1 || !strings.Contains(stderr, bad+":") || !strings.Contains(stderr, "gzip stream is corrupt or truncated") {
				t.Errorf("%s on a %s file: exit %d, %q; want 1 and the file's broken line", args[0], k, code, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "scores-"+k.String())); !os.IsNotExist(err) {
			t.Errorf("predict left its output over a broken file: %v", err)
		}
	}
}

// A command cancelled while it reads a large source (Ctrl-C, SIGTERM)
// stops within moments with exit status 130, saying what it was doing.
func TestCancelledCommandsExit130(t *testing.T) {
	dir := t.TempDir()
	run0 := filepath.Join(dir, "run")
	cache := filepath.Join(dir, "cache")
	if code, _, stderr := recforge(t, "train", "--model", "lr", "--data", "synthetic:ctr?rows=2000&seed=1&max_vocab=50",
		"--epochs", "1", "--out", run0, "--cache-dir", cache, "--quiet"); code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	// Reading this source whole takes minutes.
	const big = "synthetic:ctr?rows=50000000&seed=2&max_vocab=50"
	for _, c := range []struct {
		args  []string
		doing string
	}{
		{[]string{"train", "--model", "lr", "--data", big, "--out", filepath.Join(dir, "run-big"), "--cache-dir", cache, "--quiet"}, "fitting the encoders"},
		{[]string{"data", "encode", "--data", big, "--cache-dir", cache}, "fitting the encoders"},
		{[]string{"data", "inspect", big}, "inspecting"},
		{[]string{"eval", "--artifact", filepath.Join(run0, "model"), "--data", big}, "scoring"},
		{[]string{"predict", "--artifact", filepath.Join(run0, "model"), "--data", big, "--output", filepath.Join(dir, "scores")}, ""},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stop := time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		code, _, stderr := runWithin(t, ctx, 30*time.Second, c.args...)
		stop.Stop()
		cancel()
		if code != 130 || !strings.Contains(stderr, c.doing) {
			t.Errorf("%s cancelled: exit %d, %q; want 130 and %q", c.args[0], code, stderr, c.doing)
		}
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("%s took %v to stop", c.args[0], el)
		}
	}
	// A context cancelled before the command starts stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, _, stderr := runWithin(t, ctx, 30*time.Second, "data", "inspect", big); code != 130 {
		t.Errorf("data inspect with a cancelled context: exit %d, %q", code, stderr)
	}
}
