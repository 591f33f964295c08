package cache

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// Version is the cache format version written by this build. A file of any
// other version is stale and rebuilt. Version 2 added the checksums,
// version 3 the caller's metadata (Writer.SetMeta). Version 4 changes no
// byte of the format: it marks that package dataset stores values for its
// numeric slots alone, so that every older cache is rebuilt rather than
// read with the columns it no longer expects. Version 5, likewise, marks
// that dataset stores no group column when the schema has no group field.
// Version 6 adds unrowed columns (Width Unrowed), in which dataset keeps
// the ordinals of the records it rejected instead of every row's ordinal.
// Version 7 marks that dataset stores no sequence columns when the schema
// has no sequence.
const Version = 7

// MaxMeta bounds the bytes of metadata a cache carries: a few facts about
// the build, never data.
const MaxMeta = 1 << 16

// castagnoli is the CRC-32C table: the polynomial with hardware support on
// amd64 (SSE 4.2) and arm64, so checking a section runs at memory speed.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var magic = [8]byte{'R', 'F', 'C', 'A', 'C', 'H', 'E', 0}

// align is the alignment of every column section, so that a mapped section
// can be viewed as a slice of its element type.
const align = 64

// DType is the element type of a column.
type DType uint8

// The element types a column can hold.
const (
	Float32 DType = iota + 1
	Int32
	Int64
)

func (t DType) size() int {
	switch t {
	case Float32, Int32:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// String names the type.
func (t DType) String() string {
	switch t {
	case Float32:
		return "float32"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("DType(%d)", uint8(t))
}

// Column describes one column of a cache.
type Column struct {
	Name string
	Type DType
	// Width is the number of values per row; 0 makes the column ragged,
	// with per-row lengths; Unrowed makes it one array of any length,
	// tied to no row.
	Width int
}

// Unrowed is the Width of a column that holds one array, written in any
// number of calls between and around the rows: what a build learns about
// the whole cache that may be too large for the metadata (MaxMeta), as
// the ordinals of the records it skipped.
const Unrowed = -1

// unrowedWidth is how the header stores Unrowed: its 32 bits.
const unrowedWidth uint32 = math.MaxUint32

// section locates one column's bytes in the file.
type section struct {
	Column
	offsetsAt, offsetsLen int64 // ragged: rows+1 int64 offsets (in values)
	valuesAt, valuesLen   int64 // values, in bytes
	// The CRC-32C of the offsets' and of the values' bytes (that of no
	// bytes, 0, for a fixed-width column's absent offsets).
	offsetsCRC, valuesCRC uint32
}

// header is everything before the first section:
//
//	magic [8] | version u32 | fingerprint [32] | rows u64 | ncols u32 |
//	per column: nameLen u16, name, type u8, width u32,
//	            offsetsAt u64, offsetsLen u64, valuesAt u64, valuesLen u64,
//	            offsetsCRC u32, valuesCRC u32 |
//	metaLen u32, meta |
//	headerCRC u32
//
// all little-endian. headerCRC is the CRC-32C of every byte before it; the
// padding between sections is covered by no checksum, as nothing reads it.
type header struct {
	fingerprint [32]byte
	rows        int64
	sections    []section
	meta        []byte
}

func (h *header) marshal() []byte {
	b := append([]byte(nil), magic[:]...)
	b = binary.LittleEndian.AppendUint32(b, Version)
	b = append(b, h.fingerprint[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.rows))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h.sections)))
	for _, s := range h.sections {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(s.Name)))
		b = append(b, s.Name...)
		b = append(b, byte(s.Type))
		w := uint32(s.Width)
		if s.Width == Unrowed {
			w = unrowedWidth
		}
		b = binary.LittleEndian.AppendUint32(b, w)
		for _, v := range []int64{s.offsetsAt, s.offsetsLen, s.valuesAt, s.valuesLen} {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
		b = binary.LittleEndian.AppendUint32(b, s.offsetsCRC)
		b = binary.LittleEndian.AppendUint32(b, s.valuesCRC)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h.meta)))
	b = append(b, h.meta...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errStale marks a file written by another format version.
type errStale struct{ version uint32 }

func (e errStale) Error() string {
	return fmt.Sprintf("cache format version %d, this build reads version %d", e.version, Version)
}

// unmarshal parses a header from the start of a file of size bytes,
// checking its checksum and that every section lies inside the file. The
// sections' own checksums are left to verify.
func unmarshal(b []byte, size int64) (*header, error) {
	r := reader{b: b}
	var m [8]byte
	copy(m[:], r.take(8))
	if r.err != nil || m != magic {
		return nil, fmt.Errorf("not a recforge cache file")
	}
	if v := r.u32(); r.err == nil && v != Version {
		return nil, errStale{v}
	}
	h := &header{}
	copy(h.fingerprint[:], r.take(32))
	h.rows = int64(r.u64())
	n := r.u32()
	if r.err != nil || n > 1<<16 || h.rows < 0 || h.rows > size {
		return nil, fmt.Errorf("corrupt cache header")
	}
	for range n {
		var s section
		s.Name = string(r.take(int(r.u16())))
		s.Type = DType(r.take(1)[0:1:1][0])
		if w := r.u32(); w == unrowedWidth {
			s.Width = Unrowed
		} else {
			s.Width = int(w)
		}
		s.offsetsAt, s.offsetsLen = int64(r.u64()), int64(r.u64())
		s.valuesAt, s.valuesLen = int64(r.u64()), int64(r.u64())
		s.offsetsCRC, s.valuesCRC = r.u32(), r.u32()
		if r.err != nil {
			return nil, fmt.Errorf("corrupt cache header")
		}
		h.sections = append(h.sections, s)
	}
	// The length is checked before it is taken: a hostile one must not
	// make take allocate gigabytes.
	metaLen := r.u32()
	if r.err != nil || metaLen > MaxMeta {
		return nil, fmt.Errorf("corrupt cache header")
	}
	h.meta = append([]byte(nil), r.take(int(metaLen))...)
	if r.err != nil {
		return nil, fmt.Errorf("corrupt cache header")
	}
	// The checksum is checked before the sections are trusted, so that any
	// damage to the header reads as such.
	used := len(b) - len(r.b)
	if sum := r.u32(); r.err != nil || sum != crc32.Checksum(b[:used], castagnoli) {
		return nil, fmt.Errorf("corrupt cache header: checksum mismatch")
	}
	for _, s := range h.sections {
		// The ends are compared as size-at ≥ len so that no sum wraps.
		if s.Type.size() == 0 || s.offsetsAt < 0 || s.valuesAt < 0 || s.offsetsLen < 0 || s.valuesLen < 0 ||
			s.offsetsAt > size || s.valuesAt > size || s.offsetsLen > size-s.offsetsAt || s.valuesLen > size-s.valuesAt ||
			s.valuesAt%align != 0 || s.offsetsAt%align != 0 {
			return nil, fmt.Errorf("corrupt cache header: column %q lies outside the file", s.Name)
		}
	}
	return h, nil
}

// verify checks every section of data, the file h was read from, against
// its checksum.
func (h *header) verify(data []byte) error {
	for _, s := range h.sections {
		if crc32.Checksum(data[s.offsetsAt:s.offsetsAt+s.offsetsLen], castagnoli) != s.offsetsCRC {
			return fmt.Errorf("column %q: its offsets do not match their checksum: the file is corrupt", s.Name)
		}
		if crc32.Checksum(data[s.valuesAt:s.valuesAt+s.valuesLen], castagnoli) != s.valuesCRC {
			return fmt.Errorf("column %q: its values do not match their checksum: the file is corrupt", s.Name)
		}
	}
	return nil
}

// reader reads little-endian fields, remembering the first overrun.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = fmt.Errorf("short header")
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }
