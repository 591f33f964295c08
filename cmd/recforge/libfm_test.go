package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A libfm: spec that cannot train points to what works, data inspect
// (where it sends the user) says the same of the file, and the spec both
// name trains.
func TestLibFMMessagesAgree(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.libfm")
	var b strings.Builder
	for i := range 400 {
		// Three one-hot fields; the label follows field 1's value.
		fmt.Fprintf(&b, "%d %d:1 %d:1 %d:1\n", 2*(i%2)-1, i%2, 10+i%7, 20+i%5)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"train", "--model", "lr", "--epochs", "1", "--quiet", "--cache-dir", filepath.Join(dir, "cache")}
	code, _, stderr := recforge(t, append(args, "--data", "libfm:"+path, "--out", filepath.Join(dir, "a"))...)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "libfm-fields:"+path) || !strings.Contains(stderr, "recforge data inspect libfm:"+path) {
		t.Fatalf("train on libfm: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := recforge(t, "data", "inspect", "libfm:"+path)
	if code != 0 || !strings.Contains(stdout, "read as libfm-fields:"+path) || strings.Contains(stdout, "cannot guess") {
		t.Fatalf("data inspect: exit %d, %s\n%s", code, stderr, stdout)
	}
	if code, _, stderr = recforge(t, append(args, "--data", "libfm-fields:"+path, "--out", filepath.Join(dir, "b"))...); code != 0 {
		t.Fatalf("train on libfm-fields: exit %d, %s", code, stderr)
	}
}
