package feature

import "fmt"

// IDRange is the set of ids one slot or sequence of an Example may hold:
// the padding id 0, or one of its table's ids [Lo, Lo+N). Ids reach the
// embedding tables through it; data from outside (a cache file, a batch
// built by hand) is checked against these ranges where it enters, so that
// a bad id is an error naming its place rather than a panic deep in a
// model.
type IDRange struct {
	Lo, N int32
}

// Holds reports whether id is 0 or one of r's table ids.
func (r IDRange) Holds(id int32) bool {
	// The difference is taken unsigned: an id below Lo wraps to a large
	// number, as any id ≥ Lo+N is one.
	return id == 0 || uint32(id)-uint32(r.Lo) < uint32(r.N)
}

// String formats r as "0 or [Lo, Lo+N)".
func (r IDRange) String() string {
	return fmt.Sprintf("0 or [%d, %d)", r.Lo, int64(r.Lo)+int64(r.N))
}

// FirstOutside returns the index of the first id of ids, a row-major
// matrix with len(ranges) ids a row, that the range of its column does not
// hold, or -1 when every id is held. A trailing partial row is checked as
// far as it goes.
func FirstOutside(ids []int32, ranges []IDRange) int {
	w := len(ranges)
	if w == 0 {
		return -1
	}
	for base := 0; base < len(ids); base += w {
		row := ids[base:min(base+w, len(ids))]
		for j, id := range row {
			r := ranges[j]
			if id != 0 && uint32(id)-uint32(r.Lo) >= uint32(r.N) {
				return base + j
			}
		}
	}
	return -1
}

// SlotRanges returns the IDRange of every slot of Example.IDs, in order:
// that of the table its field reads.
func (e *Encoders) SlotRanges() []IDRange {
	out := make([]IDRange, len(e.slots))
	for i := range e.schema.Fields {
		if s := e.fieldSlot[i]; s >= 0 && e.schema.Fields[i].Type != Sequence {
			t := e.tables[e.fieldTable[i]]
			out[s] = IDRange{Lo: t.Offset, N: t.Size}
		}
	}
	return out
}

// SeqRanges returns the IDRange of every position of Example.Seq: that of
// the table of the sequence the position belongs to.
func (e *Encoders) SeqRanges() []IDRange {
	out := make([]IDRange, e.seqTotal)
	for i := range e.schema.Fields {
		if s := e.fieldSlot[i]; s >= 0 && e.schema.Fields[i].Type == Sequence {
			t, q := e.tables[e.fieldTable[i]], e.seqs[s]
			for p := range q.MaxLen {
				out[q.Offset+p] = IDRange{Lo: t.Offset, N: t.Size}
			}
		}
	}
	return out
}
