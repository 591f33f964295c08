package dataset

import (
	"fmt"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/feature"
)

// SeqWindower is implemented by readers whose sequence columns hold
// windows of per-key sequences that the reader keeps once, as the
// behaviour-sample readers do: the history of each of a user's samples is
// the latest part of that user's one behaviour sequence. Build then stores
// each key's sequence once, in a pool per sequence field, and each row by
// reference (where its window starts in the pool, and its length) instead
// of a padded copy per row.
type SeqWindower interface {
	// SeqWindow reports, for the record Next returned last, that column
	// col holds the latest elements of key's sequence before position end:
	// positions [end-n, end) for the n elements it holds. ok is false for
	// a column that is not such a window; it depends on col alone, and
	// holds before the first Next too.
	SeqWindow(col int) (key, end int64, ok bool)
}

// BuildsByReference reports whether Build stores the sequences of r's
// records by reference under enc: r is a SeqWindower with a window for
// every sequence field's column, and every sequence keeps its latest
// elements (truncate keep_last) and encodes a missing value as empty (not
// as an OOV id, which is no element of the key's sequence).
func BuildsByReference(r data.Reader, enc *feature.Encoders) bool {
	p, err := newPools(r, enc)
	return err == nil && p != nil
}

// seqLayout is where one sequence lies in a row's padded Seq.
type seqLayout struct {
	off, max int
	padStart bool
}

// seqLayouts lists the layout of enc's sequences, in Example.Seq order.
func seqLayouts(enc *feature.Encoders) []seqLayout {
	fields := map[string]feature.Field{}
	for _, f := range enc.Schema().Fields {
		fields[f.Name] = f
	}
	var out []seqLayout
	for _, q := range enc.Sequences() {
		out = append(out, seqLayout{off: q.Offset, max: q.MaxLen, padStart: fields[q.Field].Padding == feature.PadStart})
	}
	return out
}

// poolSet builds the pools of every sequence field while Build encodes.
type poolSet struct {
	w     SeqWindower
	pools []pool
	start []int64 // one row's window starts
}

// pool appends one sequence field's windows to its pool, one segment per
// run of rows of the same key: a row whose window extends the segment adds
// only its new elements, so a user's samples add each behaviour once.
type pool struct {
	col    int // the reader's column
	field  string
	layout seqLayout
	n      int64 // pool length so far
	// The open segment: key's positions [first, first+len(seg)) at pool
	// index segAt on. It is kept to check that windows agree.
	open  bool
	key   int64
	first int64
	segAt int64
	seg   []int32
}

// newPools returns the pool builders of r's records under enc, or nil when
// they are to be stored densely (see BuildsByReference).
func newPools(r data.Reader, enc *feature.Encoders) (*poolSet, error) {
	w, ok := r.(SeqWindower)
	seqs := enc.Sequences()
	if !ok || len(seqs) == 0 {
		return nil, nil
	}
	fields := map[string]feature.Field{}
	for _, f := range enc.Schema().Fields {
		fields[f.Name] = f
	}
	colOf := map[string]int{}
	for i, c := range r.Columns() {
		if _, dup := colOf[c]; !dup {
			colOf[c] = i
		}
	}
	ps := &poolSet{w: w, start: make([]int64, len(seqs))}
	for i, q := range seqs {
		f := fields[q.Field]
		col, found := colOf[f.Column]
		if !found {
			return nil, fmt.Errorf("sequence field %q reads column %q, which the reader does not have", f.Name, f.Column)
		}
		if _, _, ok := w.SeqWindow(col); !ok || f.Truncate != feature.KeepLast || f.Missing == feature.MissingOOV {
			return nil, nil
		}
		ps.pools = append(ps.pools, pool{col: col, field: f.Name, layout: seqLayouts(enc)[i]})
	}
	return ps, nil
}

// windows appends the windows of the record the reader returned last, one
// per pool.
func (ps *poolSet) windows(dst []window) []window {
	for _, p := range ps.pools {
		key, end, ok := ps.w.SeqWindow(p.col)
		dst = append(dst, window{key, end, ok})
	}
	return dst
}

// add writes one encoded row's sequences (an Example's Seq and SeqLens)
// by reference, given its windows: its window starts to column startCol
// and each pool's new ids to column poolCol+s.
func (ps *poolSet) add(seq, seqLens []int32, wins []window, w *cache.Writer, startCol, poolCol int) error {
	for s := range ps.pools {
		p := &ps.pools[s]
		key, end, ok := wins[s].key, wins[s].end, wins[s].ok
		if !ok {
			return fmt.Errorf("dataset: the reader gave no window for sequence field %q", p.field)
		}
		n := int(seqLens[s])
		win := seq[p.layout.off : p.layout.off+n]
		if p.layout.padStart {
			win = seq[p.layout.off+p.layout.max-n : p.layout.off+p.layout.max]
		}
		start, added, err := p.add(key, end, win)
		if err != nil {
			return err
		}
		ps.start[s] = start
		w.Int32(poolCol+s, added)
	}
	w.Int64(startCol, ps.start)
	return nil
}

// add places the window win, key's positions [end-len(win), end), in the
// pool. It returns the pool index of win's first id and the ids that the
// pool gained.
func (p *pool) add(key, end int64, win []int32) (start int64, added []int32, err error) {
	a := end - int64(len(win))
	if a < 0 {
		return 0, nil, fmt.Errorf("dataset: sequence field %q: a window of %d elements cannot end at position %d of key %d", p.field, len(win), end, key)
	}
	if len(win) == 0 {
		return p.n, nil, nil // nothing to place: leave the segment open
	}
	have := p.first + int64(len(p.seg))
	if !p.open || key != p.key || a < p.first || a > have {
		// A new key, or a window that does not touch the open segment:
		// start a segment at the end of the pool.
		p.open, p.key, p.first, p.segAt, p.seg = true, key, a, p.n, p.seg[:0]
		have = a
	}
	for pos := a; pos < min(end, have); pos++ {
		if p.seg[pos-p.first] != win[pos-a] {
			return 0, nil, fmt.Errorf("dataset: sequence field %q: the window of key %d ending at position %d disagrees at position %d with an earlier window of that key", p.field, key, end, pos)
		}
	}
	if end > have {
		added = win[have-a:]
		p.seg = append(p.seg, added...)
		p.n += int64(len(added))
	}
	return p.segAt + (a - p.first), added, nil
}

// checkRefs checks that every row's windows lie within their pools and fit
// their sequences, so that SeqRow cannot read out of bounds.
func (d *Dataset) checkRefs() error {
	ns := d.NumSeq
	if len(d.SeqStart) != d.Rows*ns || len(d.SeqLens) != d.Rows*ns || len(d.Pools) != ns {
		return fmt.Errorf("dataset: cache %s: %d window starts, %d lengths and %d pools for %d rows of %d sequences", d.c.Path(), len(d.SeqStart), len(d.SeqLens), len(d.Pools), d.Rows, ns)
	}
	for r := range d.Rows {
		for s := range ns {
			st, n := d.SeqStart[r*ns+s], int64(d.SeqLens[r*ns+s])
			if n < 0 || n > int64(d.seqs[s].max) || st < 0 || st+n > int64(len(d.Pools[s])) {
				return fmt.Errorf("dataset: cache %s: column %q, row %d: sequence %d's window (start %d, length %d) is outside its pool of %d ids or longer than %d", d.c.Path(), "seq_start", r, s, st, n, len(d.Pools[s]), d.seqs[s].max)
			}
		}
	}
	return nil
}

// ByReference reports whether the sequences are stored by reference
// (SeqStart and Pools) rather than densely (Seq).
func (d *Dataset) ByReference() bool { return d.Pools != nil }

// SeqRow writes row r's sequences, padded as the encoders pad them, into
// dst, which holds SeqLen ids: exactly the row's Example.Seq.
func (d *Dataset) SeqRow(r int, dst []int32) {
	q := d.SeqLen
	if d.Pools == nil {
		copy(dst[:q], d.Seq[r*q:(r+1)*q])
		return
	}
	ns := d.NumSeq
	for s, l := range d.seqs {
		out := dst[l.off : l.off+l.max]
		n := int(d.SeqLens[r*ns+s])
		st := d.SeqStart[r*ns+s]
		src := d.Pools[s][st : st+int64(n)]
		if l.padStart {
			clear(out[:l.max-n])
			copy(out[l.max-n:], src)
		} else {
			copy(out, src)
			clear(out[n:])
		}
	}
}

// SeqBytes returns the bytes the rows' sequences take in the cache as
// stored (window starts, pools and the pools' row offsets when by
// reference) and as they would take stored densely (SeqLen ids per row).
// The lengths (SeqLens) are common to both and counted in neither.
func (d *Dataset) SeqBytes() (stored, dense int64) {
	dense = int64(d.Rows) * int64(d.SeqLen) * 4
	if d.Pools == nil {
		return dense, dense
	}
	stored = int64(len(d.SeqStart)) * 8
	for _, p := range d.Pools {
		stored += int64(len(p))*4 + int64(d.Rows+1)*8
	}
	return stored, dense
}
