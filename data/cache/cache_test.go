package cache

import (
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var testCols = []Column{
	{Name: "label", Type: Float32, Width: 1},
	{Name: "ids", Type: Int32, Width: 3},
	{Name: "hist", Type: Int32}, // ragged
	{Name: "time", Type: Int64, Width: 1},
	{Name: "skipped", Type: Int64, Width: Unrowed},
}

// writeRows writes three rows whose values are easy to predict, and to
// the unrowed column before, between and after them: 5, 6 7, (none), 8.
func writeRows(w *Writer) error {
	hists := [][]int32{{7, 8}, nil, {9, 10, 11, 12}}
	skipped := [][]int64{{5}, {6, 7}, nil, {8}}
	for r := range 3 {
		w.Int64(4, skipped[r])
		w.Float32(0, []float32{float32(r) + 0.5})
		w.Int32(1, []int32{int32(10 * r), int32(10*r + 1), int32(10*r + 2)})
		w.Int32(2, hists[r])
		w.Int64(3, []int64{int64(r) << 40})
		if err := w.EndRow(); err != nil {
			return err
		}
	}
	w.Int64(4, skipped[3])
	return nil
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.cache")
	fp := Fingerprint([]byte("source"), []byte("schema"))
	c, rebuilt, err := OpenOrBuild(path, fp, testCols, writeRows)
	if err != nil || !rebuilt {
		t.Fatalf("first build: rebuilt=%v err=%v", rebuilt, err)
	}
	defer c.Close()
	if c.Rows() != 3 || c.Fingerprint() != fp || !slices.Equal(c.Columns(), testCols) {
		t.Fatalf("rows %d, columns %v", c.Rows(), c.Columns())
	}
	label, err := c.Float32("label")
	if err != nil || !slices.Equal(label, []float32{0.5, 1.5, 2.5}) {
		t.Fatalf("label = %v, %v", label, err)
	}
	ids, _ := c.Int32("ids")
	if !slices.Equal(ids, []int32{0, 1, 2, 10, 11, 12, 20, 21, 22}) {
		t.Fatalf("ids = %v", ids)
	}
	hist, _ := c.Int32("hist")
	off, err := c.Offsets("hist")
	if err != nil || !slices.Equal(off, []int64{0, 2, 2, 6}) || !slices.Equal(hist, []int32{7, 8, 9, 10, 11, 12}) {
		t.Fatalf("hist offsets %v values %v (%v)", off, hist, err)
	}
	times, _ := c.Int64("time")
	if !slices.Equal(times, []int64{0, 1 << 40, 2 << 40}) {
		t.Fatalf("time = %v", times)
	}
	if skipped, err := c.Int64("skipped"); err != nil || !slices.Equal(skipped, []int64{5, 6, 7, 8}) {
		t.Fatalf("skipped = %v, %v; want 5 6 7 8", skipped, err)
	}
	if _, err := c.Offsets("skipped"); err == nil {
		t.Fatal("an unrowed column has offsets")
	}
	if _, err := c.Float32("ids"); err == nil {
		t.Fatal("reading an int32 column as float32 succeeded")
	}
	if _, err := c.Int32("nope"); err == nil {
		t.Fatal("reading a missing column succeeded")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestOpenOrBuildReusesAndRebuilds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c")
	fp := Fingerprint([]byte("v1"))
	c, _, err := OpenOrBuild(path, fp, testCols, writeRows)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	builds := 0
	counting := func(w *Writer) error { builds++; return writeRows(w) }
	c, rebuilt, err := OpenOrBuild(path, fp, testCols, counting)
	if err != nil || rebuilt || builds != 0 {
		t.Fatalf("same fingerprint: rebuilt=%v builds=%d err=%v", rebuilt, builds, err)
	}
	c.Close()
	c, rebuilt, err = OpenOrBuild(path, Fingerprint([]byte("v2")), testCols, counting)
	if err != nil || !rebuilt || builds != 1 {
		t.Fatalf("new fingerprint: rebuilt=%v builds=%d err=%v", rebuilt, builds, err)
	}
	c.Close()

	// Another format version is stale and rebuilt.
	raw, _ := os.ReadFile(path)
	raw[8] = Version + 1
	os.WriteFile(path, raw, 0o644)
	if _, err := Open(path); !IsStale(err) {
		t.Fatalf("other version: %v, want a stale error", err)
	}
	if c, rebuilt, err = OpenOrBuild(path, Fingerprint([]byte("v2")), testCols, counting); err != nil || !rebuilt {
		t.Fatalf("stale file: rebuilt=%v err=%v", rebuilt, err)
	}
	c.Close()

	// A failed build leaves the previous cache intact.
	before, _ := os.ReadFile(path)
	failing := func(w *Writer) error { writeRows(w); return errors.New("source went away") }
	if _, _, err := OpenOrBuild(path, Fingerprint([]byte("v3")), testCols, failing); err == nil {
		t.Fatal("failed build reported success")
	}
	after, _ := os.ReadFile(path)
	if !slices.Equal(before, after) {
		t.Fatal("a failed build changed the existing cache")
	}
}

func TestCorruptAndInvalid(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("label\tI1\n1\t2\n"), 0o644)
	if _, err := Open(junk); err == nil {
		t.Fatal("a text file opened as a cache")
	}
	// A truncated cache is refused, not read past its end.
	path := filepath.Join(dir, "c")
	c, _, err := OpenOrBuild(path, Fingerprint(), testCols, writeRows)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, raw[:len(raw)-8], 0o644)
	if _, err := Open(path); err == nil {
		t.Fatal("a truncated cache opened")
	}
	w, err := Create(filepath.Join(dir, "d"), Fingerprint(), testCols)
	if err != nil {
		t.Fatal(err)
	}
	w.Float32(0, []float32{1})
	w.Int32(1, []int32{1, 2}) // width 3
	if err := w.EndRow(); err == nil {
		t.Fatal("a short fixed-width row was accepted")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a bad row succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "d")); !os.IsNotExist(err) {
		t.Fatal("a failed writer left a file at its path")
	}
	if _, err := Create(filepath.Join(dir, "e"), Fingerprint(), []Column{{Name: "a", Type: Int32, Width: 1}, {Name: "a", Type: Int32, Width: 1}}); err == nil {
		t.Fatal("duplicate column names accepted")
	}
	if _, err := Create(filepath.Join(dir, "e"), Fingerprint(), []Column{{Name: "a", Type: Int32, Width: Unrowed - 1}}); err == nil {
		t.Fatal("a negative width other than Unrowed accepted")
	}
}

// An unrowed column whose header gives it a length that is no whole
// number of values (with every checksum made to match, as a crafted file
// would) is an error, not a slice cut short.
func TestUnrowedLengthChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c")
	c, _, err := OpenOrBuild(path, Fingerprint(), testCols, writeRows)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	raw, _ := os.ReadFile(path)
	h, err := unmarshal(raw, int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	s := &h.sections[4]
	if s.Name != "skipped" || s.valuesLen != 4*8 {
		t.Fatalf("section 4 is %q of %d bytes, want skipped of 32", s.Name, s.valuesLen)
	}
	s.valuesLen -= 3
	s.valuesCRC = crc32.Checksum(raw[s.valuesAt:s.valuesAt+s.valuesLen], castagnoli)
	copy(raw, h.marshal())
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Open(path)
	if err != nil {
		t.Fatalf("the crafted file did not open: %v", err)
	}
	defer c.Close()
	if v, err := c.Int64("skipped"); err == nil || !strings.Contains(err.Error(), `column "skipped": 29 bytes`) {
		t.Fatalf("29 bytes read as int64s: %v, %v", v, err)
	}
	if v, err := c.Int64("time"); err != nil || len(v) != 3 {
		t.Fatalf("the other columns: %v, %v", v, err)
	}
}

func TestFingerprintSeparatesParts(t *testing.T) {
	if Fingerprint([]byte("ab"), []byte("c")) == Fingerprint([]byte("a"), []byte("bc")) {
		t.Fatal("different part lists collided")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "src")
	os.WriteFile(p, []byte("12345"), 0o644)
	a, err := FileIdentity(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte("123456"), 0o644)
	b, _ := FileIdentity(p)
	if string(a) == string(b) {
		t.Fatal("a rewritten source kept its identity")
	}
}
