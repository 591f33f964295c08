package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftTemps leaves in out what a run killed while writing its checkpoint
// and its artifact leaves there: a 1 MB checkpoint temporary and a
// half-written artifact directory.
func leftTemps(t *testing.T, out string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(out, ".checkpoint.safetensors.tmp2718281828"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(out, ".model.tmp-1414213562")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noTemps fails if out holds a hidden entry: a temporary left over.
func noTemps(t *testing.T, out string) {
	t.Helper()
	es, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s still holds %s", out, e.Name())
		}
	}
}

// A finished run's directory, with the temporaries a killed run leaves
// beside it, continues with --resume and ends without them.
func TestResumeRemovesKilledRunsTemps(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	args := []string{"train", "--model", "lr", "--data", "synthetic:ctr?rows=2000&seed=3", "--epochs", "2", "--batch", "256",
		"--cache-dir", filepath.Join(dir, "cache"), "--quiet", "--out", out}
	if code, _, stderr := recforge(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	leftTemps(t, out)
	if code, _, stderr := recforge(t, append(args, "--resume", "--epochs", "3")...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	noTemps(t, out)
}

// A training process killed with SIGKILL before its first checkpoint
// leaves nothing to resume: --resume and a plain rerun say so and what to
// do, and --overwrite trains afresh, leaving no temporary behind.
func TestKilledBeforeFirstCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	args := []string{"train", "--model", "fm", "--data", "synthetic:ctr?rows=20000&seed=4", "--epochs", "2", "--batch", "16",
		"--cache-dir", filepath.Join(dir, "cache"), "--quiet", "--out", out}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "RECFORGE_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(out, "train.jsonl")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the run never started training")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, "checkpoint.safetensors")); err == nil {
		t.Skip("the first checkpoint was written before the kill")
	}
	want := out + " holds a run killed before its first checkpoint: nothing to resume; rerun with --overwrite"
	for _, extra := range [][]string{{"--resume"}, nil} {
		code, _, stderr := recforge(t, append(args, extra...)...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", extra, code, stderr, want)
		}
	}
	if code, _, stderr := recforge(t, append(args, "--overwrite", "--epochs", "1", "--batch", "4096")...); code != 0 {
		t.Fatalf("--overwrite: exit %d: %s", code, stderr)
	}
	noTemps(t, out)
}
