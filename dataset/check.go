package dataset

import (
	"fmt"
	"sort"

	"github.com/recforge/recforge/feature"
)

// checkIDs checks that every id of the cache is one the encoders can
// produce, in the column it lies in: each slot's id 0 or one of its
// table's, each sequence's likewise, each length within its sequence's
// maximum. The checksums prove the file is what a writer wrote, not that
// the writer used these encoders (an older build, a crafted file): an id
// outside its table would otherwise reach an embedding table, and panic
// there, or train the wrong field's row. It reads the ids once more, at
// 3–5 GB/s (BENCHMARKS.md: The cache's checksums).
func (d *Dataset) checkIDs(enc *feature.Encoders) error {
	slots := enc.SlotRanges()
	if k := feature.FirstOutside(d.IDs, slots); k >= 0 {
		return d.badID("ids", k/d.Slots, d.IDs[k], fmt.Sprintf("field %q", enc.Slots()[k%d.Slots]), slots[k%d.Slots])
	}
	seqs := enc.Sequences()
	if d.ByReference() {
		// checkRefs has checked the lengths and windows.
		for s, p := range d.Pools {
			r := enc.SeqRanges()[seqs[s].Offset]
			if k := feature.FirstOutside(p, []feature.IDRange{r}); k >= 0 {
				name := fmt.Sprintf("pool_%d", s)
				off, err := d.c.Offsets(name)
				if err != nil {
					return err
				}
				// The pool's row offsets say which row added id k.
				row := sort.Search(d.Rows, func(r int) bool { return off[r+1] > int64(k) })
				return d.badID(name, row, p[k], fmt.Sprintf("sequence %q", seqs[s].Field), r)
			}
		}
		return nil
	}
	ns := d.NumSeq
	for r := range d.Rows * min(ns, 1) {
		for s, q := range seqs {
			if n := d.SeqLens[r*ns+s]; n < 0 || int(n) > q.MaxLen {
				return fmt.Errorf("dataset: cache %s: column %q, row %d: sequence %q has length %d, outside [0, %d]: the cache was not written by these encoders; remove it to rebuild it",
					d.c.Path(), "seq_lens", r, q.Field, n, q.MaxLen)
			}
		}
	}
	pos := enc.SeqRanges()
	if k := feature.FirstOutside(d.Seq, pos); k >= 0 {
		p, what := k%d.SeqLen, ""
		for _, q := range seqs {
			if p >= q.Offset && p < q.Offset+q.MaxLen {
				what = fmt.Sprintf("sequence %q at position %d", q.Field, p-q.Offset)
			}
		}
		return d.badID("seq", k/d.SeqLen, d.Seq[k], what, pos[p])
	}
	return nil
}

// badID is the error for an id outside its range r in column col, row row.
func (d *Dataset) badID(col string, row int, id int32, what string, r feature.IDRange) error {
	return fmt.Errorf("dataset: cache %s: column %q, row %d: %s has id %d, outside its ids %v: the cache was not written by these encoders; remove it to rebuild it",
		d.c.Path(), col, row, what, id, r)
}

// checkRejected checks the ordinals of the rejected records that Ordinal
// relies on: ascending, each of a record the reader returned (the rows and
// the rejected records together), and no more of them than the build
// counted as skipped. Like the ids, a crafted or foreign file could break
// them with its checksums intact, and the splits would then quietly move
// rows between their parts.
func (d *Dataset) checkRejected() error {
	records := int64(d.Rows) + int64(len(d.rejected))
	if int64(len(d.rejected)) > d.Skipped {
		return fmt.Errorf("dataset: cache %s: column %q lists %d rejected records, but the build skipped %d: the cache was not written by this build; remove it to rebuild it",
			d.c.Path(), "rejected", len(d.rejected), d.Skipped)
	}
	for k, o := range d.rejected {
		if o < 0 || o >= records || k > 0 && o <= d.rejected[k-1] {
			return fmt.Errorf("dataset: cache %s: column %q, value %d: ordinal %d is out of order or outside the %d records read: the cache was not written by this build; remove it to rebuild it",
				d.c.Path(), "rejected", k, o, records)
		}
	}
	return nil
}
