package artifact

import (
	"os"
	"path/filepath"
	"testing"
)

// The artifact directory gets the usual directory mode (0755 less the
// umask, as os.Mkdir gives it), not os.MkdirTemp's 0700: a server under
// another account must be able to read it. Replacing keeps that mode.
func TestSaveDirectoryMode(t *testing.T) {
	parent := t.TempDir()
	ref := filepath.Join(parent, "ref")
	if err := os.Mkdir(ref, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	want := st.Mode().Perm()
	dir := filepath.Join(parent, "model")
	ps, ts := model(3)
	for _, replace := range []bool{false, true} {
		if err := Save(dir, testManifest(), ps, ts, SaveOptions{Replace: replace}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("replace %v: artifact directory mode %v, want %v", replace, got, want)
		}
	}
}
