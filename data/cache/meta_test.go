package cache

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// The metadata set while writing comes back on every later open, reused
// or not; a cache without any has none; too much is refused.
func TestMeta(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.cache")
	fp := Fingerprint([]byte("meta"))
	meta := []byte(`{"skipped":2}`)
	build := func(w *Writer) error {
		w.SetMeta([]byte("overwritten"))
		w.SetMeta(meta)
		return writeRows(w)
	}
	c, rebuilt, err := OpenOrBuild(path, fp, testCols, build)
	if err != nil || !rebuilt || !bytes.Equal(c.Meta(), meta) {
		t.Fatalf("build: rebuilt=%v meta %q, %v", rebuilt, c.Meta(), err)
	}
	c.Meta()[0] = 'X' // the caller's copy
	c.Close()
	c, rebuilt, err = OpenOrBuild(path, fp, testCols, func(*Writer) error { t.Fatal("rebuilt a current cache"); return nil })
	if err != nil || rebuilt || !bytes.Equal(c.Meta(), meta) {
		t.Fatalf("reuse: rebuilt=%v meta %q, %v", rebuilt, c.Meta(), err)
	}
	c.Close()

	plain := filepath.Join(dir, "plain.cache")
	c, _, err = OpenOrBuild(plain, fp, testCols, writeRows)
	if err != nil || len(c.Meta()) != 0 {
		t.Fatalf("no metadata set: %q, %v", c.Meta(), err)
	}
	c.Close()

	w, err := Create(filepath.Join(dir, "big.cache"), fp, testCols)
	if err != nil {
		t.Fatal(err)
	}
	w.SetMeta(make([]byte, MaxMeta+1))
	if err := w.Close(); err == nil {
		t.Fatal("metadata over MaxMeta: no error")
	}
}

// A version 2 cache, written before the metadata existed, is stale: it is
// rebuilt, and the rebuild carries the metadata.
func TestVersion2IsRebuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.cache")
	fp := Fingerprint([]byte("v2"))
	c, _, err := OpenOrBuild(path, fp, testCols, writeRows)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The same file as version 2 wrote it: no metadata length, version 2,
	// a checksum over that header.
	raw, _ := os.ReadFile(path)
	h, err := unmarshal(raw, int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	hdr := h.marshal()
	v2 := append([]byte(nil), hdr[:len(hdr)-8]...) // less metaLen (0) and the checksum
	binary.LittleEndian.PutUint32(v2[8:], 2)
	v2 = binary.LittleEndian.AppendUint32(v2, crc32.Checksum(v2, castagnoli))
	copy(raw, v2)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !IsStale(err) {
		t.Fatalf("version 2 file: %v, want a stale error", err)
	}
	c, rebuilt, err := OpenOrBuild(path, fp, testCols, func(w *Writer) error { w.SetMeta([]byte("m")); return writeRows(w) })
	if err != nil || !rebuilt || string(c.Meta()) != "m" || c.Rows() != 3 {
		t.Fatalf("version 2 file: rebuilt=%v meta %q, %v", rebuilt, c.Meta(), err)
	}
	c.Close()
}
