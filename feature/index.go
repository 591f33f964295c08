package feature

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// tokenIndex maps a vocabulary's tokens to their ids. It replaces a Go map
// on the encoding hot path: a lookup is one probe into a flat table whose
// slots hold short tokens (up to 8 bytes, e.g. Criteo's and Avazu's hashed
// categories) inline, so a hit costs one cache miss instead of the map's
// three (control word, slot, key bytes). Longer tokens are compared against
// a byte arena. The hash is seeded per process (hash/maphash), so crafted
// inputs cannot aim at collisions.
type tokenIndex struct {
	seed  maphash.Seed
	slots []indexSlot
	mask  uint64
	arena []byte
	ends  []uint32 // token id's bytes are arena[ends[id-1]:ends[id]]
}

// indexSlot is one table entry; id 0 marks an empty slot (ids are stored +1).
type indexSlot struct {
	key  uint64 // the token's first 8 bytes, zero-padded
	meta uint32 // hash tag (high 24 bits) and length (low 8 bits, 255 = longer)
	id   int32  // token id + 1
}

func newTokenIndex(tokens []string) *tokenIndex {
	size := uint64(1) << bits.Len64(uint64(len(tokens))*2) // load ≤ 1/2
	x := &tokenIndex{seed: maphash.MakeSeed(), slots: make([]indexSlot, size), mask: size - 1}
	x.ends = make([]uint32, len(tokens))
	for i, t := range tokens {
		x.arena = append(x.arena, t...)
		x.ends[i] = uint32(len(x.arena))
		h, key, meta := x.hash([]byte(t))
		for j := h & x.mask; ; j = (j + 1) & x.mask {
			if x.slots[j].id == 0 {
				x.slots[j] = indexSlot{key: key, meta: meta, id: int32(i) + 1}
				break
			}
		}
	}
	return x
}

func (x *tokenIndex) hash(b []byte) (h, key uint64, meta uint32) {
	h = maphash.Bytes(x.seed, b)
	var k [8]byte
	copy(k[:], b)
	n := uint32(min(len(b), 255))
	return h, binary.LittleEndian.Uint64(k[:]), uint32(h>>40)<<8 | n
}

// get returns b's id.
func (x *tokenIndex) get(b []byte) (int32, bool) {
	h, key, meta := x.hash(b)
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		s := &x.slots[j]
		if s.id == 0 {
			return 0, false
		}
		if s.meta == meta && s.key == key && (len(b) <= 8 || string(x.token(s.id-1)) == string(b)) {
			return s.id - 1, true
		}
	}
}

func (x *tokenIndex) token(id int32) []byte {
	lo := uint32(0)
	if id > 0 {
		lo = x.ends[id-1]
	}
	return x.arena[lo:x.ends[id]]
}
