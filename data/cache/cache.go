package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"unsafe"
)

// Cache is an opened, memory-mapped cache file. The slices it returns view
// the mapping directly: they are read-only and valid until Close.
type Cache struct {
	path  string
	data  []byte
	h     *header
	unmap func() error
}

// littleEndian is whether this host can view the little-endian file as
// native slices.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Open maps the cache at path and verifies every section's checksum. It
// fails on a file that is not a cache, is corrupt (a checksum mismatch, in
// the header or in any column), or was written by another format version
// (see IsStale).
//
// Verifying reads the whole file once, about 0.5 ms of CPU per MB when it
// is in the page cache (BENCHMARKS.md: The cache's checksums); the callers
// read all of it anyway, and a mismatch found at Open is one OpenOrBuild
// can still repair by rebuilding.
func Open(path string) (*Cache, error) {
	return open(path, true)
}

// open is Open, with the sections' checksums verified or not (to measure
// what verifying costs).
func open(path string, verify bool) (*Cache, error) {
	if !littleEndian {
		return nil, fmt.Errorf("cache: %s: big-endian hosts cannot map little-endian caches", path)
	}
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	h, err := unmarshal(data, int64(len(data)))
	if err == nil && verify {
		err = h.verify(data)
	}
	if err != nil {
		unmap()
		return nil, fmt.Errorf("cache: %s: %w", path, err)
	}
	return &Cache{path: path, data: data, h: h, unmap: unmap}, nil
}

// IsStale reports whether err says the file was written by another format
// version of the cache: rebuilding it is the remedy.
func IsStale(err error) bool {
	var s errStale
	return errors.As(err, &s)
}

// Close unmaps the file; slices obtained from the cache must not be used
// afterwards.
func (c *Cache) Close() error {
	if c.unmap == nil {
		return nil
	}
	err := c.unmap()
	c.unmap, c.data = nil, nil
	return err
}

// Path is the file the cache was opened from.
func (c *Cache) Path() string { return c.path }

// Rows is the number of rows.
func (c *Cache) Rows() int { return int(c.h.rows) }

// Fingerprint is the fingerprint the cache was built with.
func (c *Cache) Fingerprint() [32]byte { return c.h.fingerprint }

// Meta is the metadata the cache was written with (Writer.SetMeta); empty
// when none was set. The caller owns the returned slice.
func (c *Cache) Meta() []byte { return append([]byte(nil), c.h.meta...) }

// Columns describes the columns, in file order.
func (c *Cache) Columns() []Column {
	cols := make([]Column, len(c.h.sections))
	for i, s := range c.h.sections {
		cols[i] = s.Column
	}
	return cols
}

func (c *Cache) section(name string, t DType) (*section, error) {
	for i := range c.h.sections {
		s := &c.h.sections[i]
		if s.Name != name {
			continue
		}
		if s.Type != t {
			return nil, fmt.Errorf("cache: %s: column %q holds %v, not %v", c.path, name, s.Type, t)
		}
		if s.Width == Unrowed {
			if s.offsetsLen != 0 || s.valuesLen%int64(t.size()) != 0 {
				return nil, fmt.Errorf("cache: %s: column %q: %d bytes of values are no whole number of %v", c.path, name, s.valuesLen, t)
			}
			return s, nil
		}
		// The product is taken in 128 bits: a hostile header must not make
		// it wrap around to the section's length.
		hi, want := bits.Mul64(uint64(s.Width)*uint64(t.size()), uint64(c.h.rows))
		if s.Width == 0 {
			if s.offsetsLen != 8*(c.h.rows+1) {
				return nil, fmt.Errorf("cache: %s: column %q: corrupt offsets", c.path, name)
			}
			end := c.offsets(s)[c.h.rows]
			if end < 0 || end > s.valuesLen {
				return nil, fmt.Errorf("cache: %s: column %q: corrupt offsets", c.path, name)
			}
			hi, want = 0, uint64(end)*uint64(t.size())
		}
		if hi != 0 || uint64(s.valuesLen) != want {
			return nil, fmt.Errorf("cache: %s: column %q: %d bytes of values do not fit %d rows", c.path, name, s.valuesLen, c.h.rows)
		}
		return s, nil
	}
	return nil, fmt.Errorf("cache: %s: no column %q", c.path, name)
}

func (c *Cache) offsets(s *section) []int64 {
	return view[int64](c.data[s.offsetsAt : s.offsetsAt+s.offsetsLen])
}

// Float32 returns the values of a Float32 column: Rows×Width values, for
// a ragged column all rows' values back to back (see Offsets), for an
// unrowed one its array.
func (c *Cache) Float32(name string) ([]float32, error) {
	s, err := c.section(name, Float32)
	if err != nil {
		return nil, err
	}
	return view[float32](c.data[s.valuesAt : s.valuesAt+s.valuesLen]), nil
}

// Int32 returns the values of an Int32 column, laid out as Float32's.
func (c *Cache) Int32(name string) ([]int32, error) {
	s, err := c.section(name, Int32)
	if err != nil {
		return nil, err
	}
	return view[int32](c.data[s.valuesAt : s.valuesAt+s.valuesLen]), nil
}

// Int64 returns the values of an Int64 column, laid out as Float32's.
func (c *Cache) Int64(name string) ([]int64, error) {
	s, err := c.section(name, Int64)
	if err != nil {
		return nil, err
	}
	return view[int64](c.data[s.valuesAt : s.valuesAt+s.valuesLen]), nil
}

// Offsets returns the Rows+1 offsets of a ragged column: row r's values are
// values[offsets[r]:offsets[r+1]]. The offsets are checked to be
// non-decreasing and within the values.
func (c *Cache) Offsets(name string) ([]int64, error) {
	for i := range c.h.sections {
		s := &c.h.sections[i]
		if s.Name != name {
			continue
		}
		if s.Width != 0 {
			return nil, fmt.Errorf("cache: %s: column %q is not ragged (width %d)", c.path, name, s.Width)
		}
		if _, err := c.section(name, s.Type); err != nil {
			return nil, err
		}
		off := c.offsets(s)
		for r := 0; r < len(off)-1; r++ {
			if off[r] > off[r+1] || off[r] < 0 {
				return nil, fmt.Errorf("cache: %s: column %q: corrupt offsets at row %d", c.path, name, r+1)
			}
		}
		return off, nil
	}
	return nil, fmt.Errorf("cache: %s: no column %q", c.path, name)
}

// view reinterprets little-endian bytes, 64-byte aligned in a page-aligned
// mapping, as a slice of T.
func view[T float32 | int32 | int64](b []byte) []T {
	var zero T
	n := len(b) / int(unsafe.Sizeof(zero))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// Fingerprint hashes the given parts, each length-prefixed so that no two
// different lists of parts collide by concatenation.
func Fingerprint(parts ...[]byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// FileIdentity describes a source file for a fingerprint: its absolute path,
// size and modification time. A file rewritten in place changes its
// modification time and so invalidates caches built from it.
func FileIdentity(path string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s\x00%d\x00%d", abs, st.Size(), st.ModTime().UnixNano()), nil
}

// OpenOrBuild opens the cache at path when it exists intact (every
// checksum matches) with the given fingerprint and this format version;
// otherwise it builds it anew with build, which writes the rows, and opens
// the result. rebuilt says which happened. A failed build leaves any
// previous file untouched. Either way, temporary files that killed builds
// of path left behind are removed.
func OpenOrBuild(path string, fingerprint [32]byte, cols []Column, build func(w *Writer) error) (c *Cache, rebuilt bool, err error) {
	// Anything but an intact cache with this fingerprint — no file,
	// another format version, a corrupt or foreign file — is rebuilt.
	if c, err := Open(path); err == nil {
		if c.Fingerprint() == fingerprint {
			removeStale(path)
			return c, false, nil
		}
		c.Close()
	}
	w, err := Create(path, fingerprint, cols)
	if err != nil {
		return nil, false, err
	}
	if err := build(w); err != nil {
		w.Abort()
		return nil, false, err
	}
	if err := w.Close(); err != nil {
		return nil, false, err
	}
	c, err = Open(path)
	return c, true, err
}
