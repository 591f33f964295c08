package cache

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open: a corrupt or hostile file must be
// refused with an error or, when its header is consistent, yield columns
// that lie inside the file — never a panic or a read past the mapping.
//
// The same bytes are also read as damage to a valid cache: five bytes at a
// time, a position (little-endian u32, modulo the file's size) and a mask
// XORed into the byte there. The damaged cache must be refused, or open
// with exactly the valid cache's contents (damage confined to the padding
// between sections, which nothing reads).
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good")
	c, _, err := OpenOrBuild(good, Fingerprint([]byte("x")), testCols, writeRows)
	if err != nil {
		f.Fatal(err)
	}
	want, err := contents(c)
	c.Close()
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	f.Add(raw)
	f.Add(raw[:40])
	f.Add([]byte("RFCACHE\x00"))
	// Damage in the header, in a column's values, in the padding, and in
	// several places at once.
	flip := func(pairs ...int) []byte {
		var b []byte
		for i := 0; i < len(pairs); i += 2 {
			b = binary.LittleEndian.AppendUint32(b, uint32(pairs[i]))
			b = append(b, byte(pairs[i+1]))
		}
		return b
	}
	h, err := unmarshal(raw, int64(len(raw)))
	if err != nil {
		f.Fatal(err)
	}
	hdr := len(h.marshal())
	v := h.sections[1].valuesAt
	f.Add(flip(20, 0x01))
	f.Add(flip(int(v)+5, 0x80))
	f.Add(flip(hdr+1, 0xff))
	f.Add(flip(3, 0x10, int(v), 0x01, int(h.sections[2].offsetsAt)+9, 0x40))
	// One file, rewritten by every input: the inputs of a process run one
	// at a time, and a directory made and removed per input would cost
	// more than the input itself.
	path := filepath.Join(dir, "c")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		checkShapes(t, path)

		damaged := slices.Clone(raw)
		for k := 0; k+5 <= len(b); k += 5 {
			damaged[binary.LittleEndian.Uint32(b[k:])%uint32(len(raw))] ^= b[k+4]
		}
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path)
		if err != nil {
			return
		}
		defer c.Close()
		if got, err := contents(c); err != nil || got != want {
			t.Fatalf("a damaged cache opened with other contents (err %v):\n%s\nwant\n%s", err, got, want)
		}
	})
}

// checkShapes opens path, if it opens, and checks that every column it
// reads has the length its header promises.
func checkShapes(t *testing.T, path string) {
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
}
