package cache

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open: a corrupt or hostile file must be
// refused with an error or, when its header is consistent, yield columns
// that lie inside the file — never a panic or a read past the mapping.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good")
	c, _, err := OpenOrBuild(good, Fingerprint([]byte("x")), testCols, writeRows)
	if err != nil {
		f.Fatal(err)
	}
	c.Close()
	raw, _ := os.ReadFile(good)
	f.Add(raw)
	f.Add(raw[:40])
	f.Add([]byte("RFCACHE\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "c")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path)
		if err != nil {
			return
		}
		defer c.Close()
		for _, col := range c.Columns() {
			var n int
			switch col.Type {
			case Float32:
				v, err := c.Float32(col.Name)
				if err != nil {
					continue
				}
				n = len(v)
			case Int32:
				v, err := c.Int32(col.Name)
				if err != nil {
					continue
				}
				n = len(v)
			case Int64:
				v, err := c.Int64(col.Name)
				if err != nil {
					continue
				}
				n = len(v)
			}
			if col.Width > 0 && n != col.Width*c.Rows() {
				t.Fatalf("column %q: %d values for %d rows of width %d", col.Name, n, c.Rows(), col.Width)
			}
			if col.Width == 0 {
				off, err := c.Offsets(col.Name)
				if err == nil && off[len(off)-1] != int64(n) {
					t.Fatalf("column %q: offsets end at %d, %d values", col.Name, off[len(off)-1], n)
				}
			}
		}
	})
}
