// Package shareddata locates the public datasets that live beside the
// repository, in ../shared/data from the module root, for tests that read
// them. The datasets are never copied into the repository (their terms
// forbid it), so tests skip with a clear message where they are absent.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/data (joined with sub, if given) from the module
// root above the working directory, and skips t when it is absent.
func Dir(t testing.TB, sub ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory: shared datasets not located")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "data"}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s absent (%v): real-data checks skipped", p, err)
	}
	return p
}
