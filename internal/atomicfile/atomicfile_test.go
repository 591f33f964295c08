package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesOrKeeps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o644, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("a failed write changed the file to %q", b)
	}
	if err := Write(p, 0o644, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "new" || st.Mode().Perm() != 0o644 {
		t.Fatalf("content %q mode %v", b, st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if err := f.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("abort left %v", entries)
	}
}

// Temps finds the temporaries Create makes for a path, and nothing else:
// not the target, not another file's, not a name that only looks alike.
func TestTemps(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "ckpt")
	for _, n := range []string{"ckpt", ".ckpt.tmpx", ".ckpt.tmp", ".other.tmp123", ".ckpt.tmp12a"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Create(target, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Temps(target)
	if err != nil || len(got) != 1 || got[0] != f.Name() {
		t.Fatalf("Temps = %v, %v; want [%s]", got, err, f.Name())
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := Temps(target); err != nil || len(got) != 0 {
		t.Fatalf("after Commit: Temps = %v, %v", got, err)
	}
}
