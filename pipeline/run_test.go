package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// touch creates dir and the named files (and directories, for names
// ending in /) in it.
func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		var err error
		if strings.HasSuffix(n, "/") {
			err = os.MkdirAll(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// names lists dir's entries, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// An output directory is used when absent or empty; one holding a file
// recforge did not write is refused even with overwrite; an earlier run is
// refused unless overwritten (its log, curves and checkpoint then go; the
// artifact is replaced when the new one is saved) or resumed (kept).
func TestPrepareOut(t *testing.T) {
	root := t.TempDir()

	absent := filepath.Join(root, "a", "b")
	if err := prepareOutOnce(absent, false, false); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(absent); err != nil || !st.IsDir() {
		t.Errorf("absent output directory not created: %v", err)
	}
	if err := prepareOutOnce(absent, false, false); err != nil {
		t.Errorf("empty directory: %v", err)
	}

	foreign := filepath.Join(root, "foreign")
	touch(t, foreign, LogFile, "notes.txt")
	for _, o := range [][2]bool{{false, false}, {false, true}} {
		err := prepareOutOnce(foreign, o[0], o[1])
		if err == nil || !strings.Contains(err.Error(), "notes.txt") {
			t.Errorf("resume=%v overwrite=%v over a foreign file: %v, want an error naming notes.txt", o[0], o[1], err)
		}
	}
	if got := names(t, foreign); !slices.Equal(got, []string{"notes.txt", LogFile}) {
		t.Errorf("refused directory changed: %v", got)
	}

	earlier := func() string {
		d := filepath.Join(t.TempDir(), "run")
		touch(t, d, ArtifactDir+"/", CheckpointFile, LogFile, CurveFile)
		touch(t, filepath.Join(d, ArtifactDir), "manifest.json")
		return d
	}
	all := []string{ArtifactDir, CheckpointFile, CurveFile, LogFile}
	slices.Sort(all)

	d := earlier()
	err := prepareOutOnce(d, false, false)
	if err == nil || !strings.Contains(err.Error(), "--resume") || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("earlier run without resume or overwrite: %v", err)
	}
	if got := names(t, d); !slices.Equal(got, all) {
		t.Errorf("refused run changed: %v", got)
	}

	d = earlier()
	if err := prepareOutOnce(d, true, false); err != nil {
		t.Errorf("resume: %v", err)
	}
	if got := names(t, d); !slices.Equal(got, all) {
		t.Errorf("resume removed files: %v", got)
	}

	d = earlier()
	if err := prepareOutOnce(d, false, true); err != nil {
		t.Errorf("overwrite: %v", err)
	}
	if got := names(t, d); !slices.Equal(got, []string{ArtifactDir}) {
		t.Errorf("after overwrite the directory holds %v, want only the artifact (replaced on save)", got)
	}

	// Overwrite of a run that left only some of its files.
	d = earlier()
	os.Remove(filepath.Join(d, CurveFile))
	if err := prepareOutOnce(d, false, true); err != nil {
		t.Errorf("overwrite of a partial run: %v", err)
	}

	file := filepath.Join(root, "plain")
	touch(t, root, "plain")
	if err := prepareOutOnce(file, false, false); err == nil {
		t.Error("a file as output directory was accepted")
	}
}

// prepareOutOnce is prepareOut releasing the lock at once.
func prepareOutOnce(dir string, resume, overwrite bool) error {
	release, err := prepareOut(dir, resume, overwrite)
	if release != nil {
		release()
	}
	return err
}
