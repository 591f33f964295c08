//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris

package cache

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Scan finds the caches and their builds' temporary files and nothing
// else; Clean removes the caches and a killed build's files but not a
// running build's, which still commits afterwards, and a cache open
// during Clean still reads.
func TestScanAndClean(t *testing.T) {
	dir := t.TempDir()
	fp := Fingerprint([]byte("x"))
	build := func(name string) *Cache {
		c, _, err := OpenOrBuild(filepath.Join(dir, name), fp, testCols, writeRows)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := build("a.rfc")
	defer a.Close()
	build("b.rfc").Close()
	size := func(name string) int64 {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A killed build's files: a temporary file (empty, as one killed
	// before its first write is, or with the header) and a spill.
	write("a.rfc.123.tmp", nil)
	write("b.rfc.77.tmp", append(magic[:], 1, 2, 3))
	write("a.rfc.9.col", []byte{1, 2})
	// Files the package did not write: they stay.
	foreign := []string{"notes.txt", "c.rfc", "a.rfc.bak", "a.rfc.x1.tmp", "d.rfc.5.tmp", ".rfc", "a.cache"}
	write("notes.txt", []byte("mine"))
	write("c.rfc", []byte("not a cache file at all"))       // no magic
	write("a.rfc.bak", append(magic[:], 0))                 // not a temporary name
	write("a.rfc.x1.tmp", nil)                              // not digits
	write("d.rfc.5.tmp", []byte("something else entirely")) // a temporary name, not a cache's content
	write(".rfc", append(magic[:], 0))                      // no name before the extension
	write("a.cache", append(magic[:], 0))                   // another extension
	if err := os.Symlink(filepath.Join(dir, "a.rfc"), filepath.Join(dir, "link.rfc")); err != nil {
		t.Fatal(err)
	}
	foreign = append(foreign, "link.rfc")
	// A build running now: it holds its temporary file's lock.
	live, err := createTemp(filepath.Join(dir, "e.rfc"))
	if err != nil {
		t.Fatal(err)
	}
	liveName := filepath.Base(live.Name())
	if _, err := live.Write(magic[:]); err != nil {
		t.Fatal(err)
	}

	got, err := Scan(dir, ".rfc")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{filepath.Join(dir, "a.rfc"), size("a.rfc"), Complete},
		{filepath.Join(dir, "a.rfc.123.tmp"), 0, Stale},
		{filepath.Join(dir, "a.rfc.9.col"), 2, Stale},
		{filepath.Join(dir, "b.rfc"), size("b.rfc"), Complete},
		{filepath.Join(dir, "b.rfc.77.tmp"), int64(len(magic) + 3), Stale},
		{live.Name(), int64(len(magic)), Building},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Scan:\n got %v\nwant %v", got, want)
	}

	removed, err := Clean(dir, ".rfc")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, want[:5]) {
		t.Fatalf("Clean removed\n %v\nwant %v", removed, want[:5])
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	slices.Sort(foreign)
	wantLeft := append(slices.Clone(foreign), liveName)
	slices.Sort(wantLeft)
	if !slices.Equal(names, wantLeft) {
		t.Fatalf("left %v, want %v", names, wantLeft)
	}
	// The cache open during Clean reads on.
	if label, err := a.Float32("label"); err != nil || !slices.Equal(label, []float32{0.5, 1.5, 2.5}) {
		t.Errorf("the open cache after Clean: %v, %v", label, err)
	}
	// The running build commits its file after all.
	if err := commitTemp(live, filepath.Join(dir, "e.rfc")); err != nil {
		t.Fatalf("the running build could not commit: %v", err)
	}
	if got, _ := Scan(dir, ".rfc"); len(got) != 1 || got[0].Kind != Complete || filepath.Base(got[0].Path) != "e.rfc" {
		t.Errorf("after the commit: %v", got)
	}
	// A directory that is not there holds nothing.
	if got, err := Scan(filepath.Join(dir, "absent"), ".rfc"); got != nil || err != nil {
		t.Errorf("absent directory: %v, %v", got, err)
	}
	if got, err := Clean(filepath.Join(dir, "absent"), ".rfc"); got != nil || err != nil {
		t.Errorf("clean of an absent directory: %v, %v", got, err)
	}
}
