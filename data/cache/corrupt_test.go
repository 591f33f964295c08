package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeMany writes manyRows rows of the test columns, with values that
// differ from row to row, so that every section spans several pages.
const manyRows = 3000

func writeMany(w *Writer) error {
	for r := range manyRows {
		w.Float32(0, []float32{float32(r) * 0.25})
		w.Int32(1, []int32{int32(r), int32(r * 7), int32(r ^ 0x55)})
		hist := make([]int32, r%5)
		for i := range hist {
			hist[i] = int32(r + i)
		}
		w.Int32(2, hist)
		w.Int64(3, []int64{int64(r) << 33})
		if r%7 == 3 {
			w.Int64(4, []int64{int64(r) * 3})
		}
		if err := w.EndRow(); err != nil {
			return err
		}
	}
	return nil
}

// contents renders everything a reader of c can see, for comparing two
// caches.
func contents(c *Cache) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "rows %d fingerprint %x columns %v\n", c.Rows(), c.Fingerprint(), c.Columns())
	for _, col := range c.Columns() {
		var v any
		var err error
		switch col.Type {
		case Float32:
			v, err = c.Float32(col.Name)
		case Int32:
			v, err = c.Int32(col.Name)
		case Int64:
			v, err = c.Int64(col.Name)
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s: %v\n", col.Name, v)
		if col.Width == 0 {
			off, err := c.Offsets(col.Name)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s offsets: %v\n", col.Name, off)
		}
	}
	return b.String(), nil
}

// flipPositions lists the byte positions of raw, a cache file, that hold
// something a reader depends on: every header byte, and perSection evenly
// spread positions in every column's offsets and values (the padding
// between sections is read by nobody).
func flipPositions(t *testing.T, raw []byte, perSection int) []int64 {
	t.Helper()
	h, err := unmarshal(raw, int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var pos []int64
	for p := range int64(len(h.marshal())) {
		pos = append(pos, p)
	}
	for _, s := range h.sections {
		for _, span := range [][2]int64{{s.offsetsAt, s.offsetsLen}, {s.valuesAt, s.valuesLen}} {
			for k := range int64(perSection) {
				if span[1] > 0 {
					pos = append(pos, span[0]+k*span[1]/int64(perSection))
				}
			}
		}
	}
	return pos
}

// A cache with any byte of its header or of a column flipped never opens
// as it is, and OpenOrBuild rebuilds it to the very contents of a fresh
// build (tried on every 16th position: each build syncs its file).
func TestCorruptCacheIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c")
	fp := Fingerprint([]byte("source"))
	c, _, err := OpenOrBuild(path, fp, testCols, writeMany)
	if err != nil {
		t.Fatal(err)
	}
	want, err := contents(c)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	positions := flipPositions(t, raw, 40)
	for i, p := range positions {
		bad := slices.Clone(raw)
		bad[p] ^= byte(1 << (i % 8)) // one bit, a different one each time
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if c, err := Open(path); err == nil {
			c.Close()
			t.Errorf("byte %d flipped: the cache opened", p)
		}
		if i%16 != 0 {
			continue
		}
		c, rebuilt, err := OpenOrBuild(path, fp, testCols, writeMany)
		if err != nil {
			t.Fatalf("byte %d flipped: %v", p, err)
		}
		got, err := contents(c)
		c.Close()
		if !rebuilt || err != nil || got != want {
			t.Fatalf("byte %d flipped: rebuilt=%v err=%v, contents equal to a fresh build: %v", p, rebuilt, err, got == want)
		}
	}
	t.Logf("%d positions flipped", len(positions))
}
