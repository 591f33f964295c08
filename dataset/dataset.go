package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/feature"
)

// Options tune fitting and encoding.
type Options struct {
	// Read configures the reader; with Read.SkipBad, records whose values
	// the encoders reject are skipped and counted too.
	Read data.ReadOptions
	// Keep, when set, restricts Fit to the records for which it returns
	// true, given each record's ordinal among those the reader returns
	// (0, 1, …), which Dataset.Ordinal gives for each row Build makes: the
	// encoders of a split are fitted on its training part alone. Build
	// encodes every record regardless.
	Keep func(ordinal int64) bool
	// OnProgress, when set, is told how far Fit and Build have read: before
	// the first record, every few thousand records, and once at the end of
	// each (Progress.Done), so that a caller can show progress over a long
	// source; it runs on the reading goroutine and must return quickly.
	OnProgress func(Progress)
	// Threads is how many goroutines Fit and Build use to fit and encode
	// (below 2: one, reading and encoding in turn). The encoders and the
	// cache are the same, byte for byte, for any count.
	Threads int
}

// Progress is how far a long stage over a source has got.
type Progress struct {
	// Stage is "fit" (Fit) or "encode" (Build).
	Stage string
	// Spec names the source.
	Spec string
	// Rows counts the records read so far, those Keep leaves out of the
	// fit included: at the end, every record the reader returned.
	Rows int64
	// BytesRead of TotalBytes of the source's files are read, counted as
	// stored (compressed for a gzip file); TotalBytes is 0 when the reader
	// cannot tell (data.ByteCounter), as for a generated source.
	BytesRead, TotalBytes int64
	// TotalRows is the number of records the source holds when it knows
	// it in advance (data.RecordCounter: a generated source); else 0.
	TotalRows int64
	// Done marks the last report of the stage. Reused marks Build's only
	// report when it found the cache current and read nothing: Rows is
	// then the cached rows.
	Done, Reused bool
}

// progressEvery is how many records go between two progress reports: a
// few milliseconds of reading.
const progressEvery = 16384

// reporter sends the progress of one stage over reader r to fn.
type reporter struct {
	fn    func(Progress)
	r     data.Reader
	p     Progress
	bytes data.ByteCounter
}

func newReporter(fn func(Progress), stage, spec string, r data.Reader) *reporter {
	if fn == nil {
		return nil
	}
	rp := &reporter{fn: fn, r: r, p: Progress{Stage: stage, Spec: spec}}
	rp.bytes, _ = r.(data.ByteCounter)
	if c, ok := r.(data.RecordCounter); ok {
		rp.p.TotalRows = c.Records()
	}
	return rp
}

// report sends the progress after rows records when it is time to, or
// always when forced (at the end of the source, and when done).
func (rp *reporter) report(rows int64, force, done bool) {
	if rp == nil || (!force && rows%progressEvery != 0) {
		return
	}
	rp.p.Rows, rp.p.Done = rows, done
	if rp.bytes != nil {
		rp.p.BytesRead, rp.p.TotalBytes = rp.bytes.BytesRead()
	}
	rp.fn(rp.p)
}

// reportBytes sends the progress after rows records with the source's
// bytes read as given, from a goroutine other than the reader's.
func (rp *reporter) reportBytes(rows, read, total int64) {
	if rp == nil {
		return
	}
	rp.p.Rows, rp.p.Done = rows, false
	if rp.bytes != nil {
		rp.p.BytesRead, rp.p.TotalBytes = read, total
	}
	rp.fn(rp.p)
}

// checkEvery is how many records the loops over a source read between two
// looks at their context: a look costs tens of nanoseconds, a record about
// a microsecond, and a few thousand records take well under a second.
const checkEvery = 4096

// Fit streams the source named by spec ("READER:PATH", see data.Open) once
// and fits the schema's encoders. Memory grows with the number of distinct
// values, never with the number of rows. Rows the reader finds malformed are
// skipped under Read.SkipBad, but a value the encoders reject stops the fit
// even then: that record would already be half counted. Cancelling ctx stops
// the fit with an error wrapping ctx's.
func Fit(ctx context.Context, spec string, schema *feature.Schema, opts Options) (*feature.Encoders, error) {
	r, err := data.Open(spec, opts.Read)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ft, err := feature.NewFitter(schema, r.Columns())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	rp := newReporter(opts.OnProgress, "fit", spec, r)
	if opts.Threads > 1 {
		if err := fitParallel(ctx, spec, r, ft, rp, opts); err != nil {
			return nil, err
		}
		return ft.Encoders()
	}
	var rec data.Record
	for ordinal := int64(0); ; ordinal++ {
		if ordinal%checkEvery == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("dataset: fitting the encoders on %s: stopped after %d records: %w", spec, ordinal, ctx.Err())
		}
		rp.report(ordinal, false, false)
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			rp.report(ordinal, true, true)
			break
		}
		if err != nil {
			return nil, err
		}
		if opts.Keep != nil && !opts.Keep(ordinal) {
			continue
		}
		if err := ft.Observe(rec.Cols); err != nil {
			return nil, Locate(rec, err)
		}
	}
	return ft.Encoders()
}

// Locate adds a record's file and line to an encoder's error, as a
// data.ParseError when the encoder names the field.
func Locate(rec data.Record, err error) error {
	var ve *feature.ValueError
	if errors.As(err, &ve) {
		return &data.ParseError{File: rec.File, Line: rec.Line, Column: ve.Column, Field: ve.Field,
			Msg: fmt.Sprintf("%s, found %q", ve.Msg, ve.Value)}
	}
	return fmt.Errorf("%s:%d: %w", rec.File, rec.Line, err)
}

// Dataset is an encoded dataset, viewed in place in its memory-mapped cache:
// row r's ids are IDs[r*Slots:(r+1)*Slots], and so on. The slices are
// read-only and valid until Close.
//
// The values of a row's slots (Example.Values) are read with ValueRow: the
// cache stores only those of the plain numeric slots (ValueSlots), since
// every other slot's value is always 1. For Criteo's schema, whose
// numbers are bucketized into ids, that leaves no value column at all and
// halves the cache.
type Dataset struct {
	// Rows is the number of encoded examples.
	Rows int
	// Slots is the number of ids (and values) per row; SeqLen the total of
	// the sequences' maximum lengths; NumSeq the number of sequences.
	Slots, SeqLen, NumSeq int
	Label                 []float32
	Group                 []int64
	IDs                   []int32
	// ValueSlots lists, ascending, the slots whose values the cache
	// stores (feature.Encoders.ValueSlots); StoredValues holds them, row
	// r's value of slot ValueSlots[k] at StoredValues[r*len(ValueSlots)+k].
	// Both are empty when every slot's value is 1. ValueRow reads a row's
	// values of every slot.
	ValueSlots   []int
	StoredValues []float32
	Seq          []int32
	SeqLens      []int32
	// Skipped counts the records skipped as malformed while building the
	// cache, whether this Build built it or found it current.
	Skipped int64

	// SeqStart and Pools hold the sequences by reference when the source
	// keeps each key's sequence once (a SeqWindower, see BuildsByReference);
	// Seq is nil then. Sequence s of row r is the SeqLens[r*NumSeq+s] ids
	// of Pools[s] from SeqStart[r*NumSeq+s] on. SeqRow reads a row's
	// padded sequences in either layout.
	SeqStart []int64
	Pools    [][]int32

	// rejected lists, ascending, the ordinals of the records the encoders
	// rejected under SkipBad, which have no row (see Ordinal).
	rejected []int64
	seqs     []seqLayout
	c        *cache.Cache
}

// Close unmaps the cache.
func (d *Dataset) Close() error { return d.c.Close() }

// Ordinal returns row r's record ordinal in the source, among the records
// the reader returns (the ordinal Options.Keep sees). Records the encoders
// rejected under SkipBad have no row, so row and ordinal part ways after
// the first of them, and splits must follow the ordinal. The cache keeps
// those records' ordinals rather than every row's: usually none, and a
// binary search among them otherwise.
func (d *Dataset) Ordinal(r int) int64 {
	// Rejected record k has rejected[k]-k rows before it: row r comes
	// after every rejected record with at most r rows before it.
	k := sort.Search(len(d.rejected), func(k int) bool { return d.rejected[k]-int64(k) > int64(r) })
	return int64(r + k)
}

// ValueRow writes row r's values, one per slot, into dst, which holds
// Slots values: exactly the row's Example.Values, 1 for every slot but
// the stored ones.
func (d *Dataset) ValueRow(r int, dst []float32) {
	dst = dst[:d.Slots]
	for i := range dst {
		dst[i] = 1
	}
	if k := len(d.ValueSlots); k > 0 {
		for j, v := range d.StoredValues[r*k : (r+1)*k] {
			dst[d.ValueSlots[j]] = v
		}
	}
}

// The cache's columns, in the order columns lists them; a cache leaves
// some out (see colIndex).
const (
	colLabel = iota
	colGroup
	colIDs
	colValues
	colSeq
	colSeqLens
	colRejected
	colPools // the first of one column per sequence (by reference)
	numCols
)

// colIndex maps each col constant to its column's index in a cache, or
// to −1 for a column the cache leaves out.
type colIndex [numCols]int

// columns are the cache's columns for enc, and where each is. "group" is
// left out when the schema has no group field (every key is 0); "values"
// holds the values of the slots that have one besides 1
// (feature.Encoders.ValueSlots), and is left out when none has; "seq" and
// "seq_lens" are left out when the schema has no sequence (a width of 0
// reads as ragged, at 8 bytes of offset a row); "rejected", an unrowed
// column, holds the ordinals of the records the encoders rejected (see
// Dataset.Ordinal): usually none, where a column of every row's ordinal
// cost 8 bytes a row. The dense layout keeps every row's padded sequences
// in "seq"; the by-reference layout keeps each row's window starts in
// "seq_start" and each sequence's pool in a ragged column "pool_S" whose
// rows hold the ids their row added to the pool.
func columns(enc *feature.Encoders, byRef bool) ([]cache.Column, colIndex) {
	ex := enc.NewExample()
	var cols []cache.Column
	var idx colIndex
	for i := range idx {
		idx[i] = -1
	}
	add := func(c int, col cache.Column) {
		idx[c] = len(cols)
		cols = append(cols, col)
	}
	add(colLabel, cache.Column{Name: "label", Type: cache.Float32, Width: 1})
	if hasGroup(enc) {
		add(colGroup, cache.Column{Name: "group", Type: cache.Int64, Width: 1})
	}
	add(colIDs, cache.Column{Name: "ids", Type: cache.Int32, Width: len(ex.IDs)})
	if n := len(enc.ValueSlots()); n > 0 {
		add(colValues, cache.Column{Name: "values", Type: cache.Float32, Width: n})
	}
	if len(ex.SeqLens) > 0 {
		if byRef {
			add(colSeq, cache.Column{Name: "seq_start", Type: cache.Int64, Width: len(ex.SeqLens)})
		} else {
			add(colSeq, cache.Column{Name: "seq", Type: cache.Int32, Width: len(ex.Seq)})
		}
		add(colSeqLens, cache.Column{Name: "seq_lens", Type: cache.Int32, Width: len(ex.SeqLens)})
	}
	add(colRejected, cache.Column{Name: "rejected", Type: cache.Int64, Width: cache.Unrowed})
	if byRef {
		for s := range ex.SeqLens {
			if s == 0 {
				idx[colPools] = len(cols)
			}
			cols = append(cols, cache.Column{Name: fmt.Sprintf("pool_%d", s), Type: cache.Int32})
		}
	}
	return cols, idx
}

// hasGroup reports whether enc's schema has a group field: the cache then
// stores each row's group key; else every key is 0 and none is stored.
func hasGroup(enc *feature.Encoders) bool {
	for _, f := range enc.Schema().Fields {
		if f.Type == feature.Group {
			return true
		}
	}
	return false
}

// Build encodes the source named by spec with enc into the cache file at
// cachePath and maps it. A cache already there is reused when it was built
// from the same source file (path, size, modification time) with the same
// encoders; otherwise it is rebuilt. rebuilt says which happened. A source
// whose reader is a SeqWindower is stored by reference (see
// BuildsByReference); any other densely. Cancelling ctx stops the encoding
// with an error wrapping ctx's, leaving no cache behind.
func Build(ctx context.Context, spec string, enc *feature.Encoders, cachePath string, opts Options) (d *Dataset, rebuilt bool, err error) {
	// A generated source is a pure function of its spec; files are
	// identified by path, size and modification time.
	files, err := data.SourceFiles(spec)
	if err != nil {
		return nil, false, err
	}
	var ident []byte
	for _, f := range files {
		id, err := cache.FileIdentity(f)
		if err != nil {
			return nil, false, err
		}
		ident = append(ident, id...)
	}
	encJSON, err := json.Marshal(enc)
	if err != nil {
		return nil, false, err
	}
	// The reader decides the layout, so it is opened even when the cache
	// turns out to be valid; opening reads at most a header (or, for a
	// behaviour source, its log).
	r, err := data.Open(spec, opts.Read)
	if err != nil {
		return nil, false, err
	}
	defer r.Close()
	pools, err := newPools(r, enc)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", spec, err)
	}
	byRef := pools != nil
	// Layout 4 stores the values of the numeric slots alone; a file
	// of an older layout is an older cache format version too, so the
	// name only has to tell this version's layouts apart.
	layout := "layout=4"
	if byRef {
		layout = "layout=4 by-reference"
	}
	read := fmt.Sprintf("skipbad=%v", opts.Read.SkipBad)
	if n := opts.Read.MaxLineBytes; n > 0 && n != data.DefaultMaxLineBytes {
		// Another line limit keeps other rows (under SkipBad); the
		// default adds nothing, so that earlier caches stay valid.
		read += fmt.Sprintf(" maxline=%d", n)
	}
	fp := cache.Fingerprint([]byte(spec), ident, encJSON, fmt.Appendf(nil, "%s %s", read, layout))
	rp := newReporter(opts.OnProgress, "encode", spec, r)
	cols, _ := columns(enc, byRef)
	c, rebuilt, err := cache.OpenOrBuild(cachePath, fp, cols, func(w *cache.Writer) error {
		skipped, err := encode(ctx, spec, r, enc, pools, w, rp, opts)
		if err != nil {
			return err
		}
		// The count goes with the cache, so that a run reusing it reports
		// the records its build skipped.
		meta, err := json.Marshal(buildMeta{Skipped: skipped})
		if err != nil {
			return err
		}
		w.SetMeta(meta)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	d, err = view(c, enc, byRef)
	if err != nil {
		c.Close()
		return nil, false, err
	}
	if rp != nil && rebuilt {
		// The stage ends with the cache written and verified, which for a
		// large one takes a while after the last record.
		rp.report(rp.p.Rows, true, true)
	} else if rp != nil {
		rp.p.Reused, rp.bytes = true, nil
		rp.report(int64(d.Rows), true, true)
	}
	return d, rebuilt, nil
}

// buildMeta is what a build records in its cache's metadata besides the
// rows.
type buildMeta struct {
	// Skipped counts the records the build skipped as malformed.
	Skipped int64 `json:"skipped"`
}

// encode streams the source r through the encoders into w, with the
// sequences by reference when pools is not nil.
func encode(ctx context.Context, spec string, r data.Reader, enc *feature.Encoders, pools *poolSet, w *cache.Writer, rp *reporter, opts Options) (skipped int64, err error) {
	if opts.Threads > 1 {
		return encodeParallel(ctx, spec, r, enc, pools, w, rp, opts)
	}
	re, err := enc.Bind(r.Columns())
	if err != nil {
		return 0, fmt.Errorf("%s: %w", spec, err)
	}
	ex := enc.NewExample()
	var rec data.Record
	group := []int64{0}
	label := []float32{0}
	ord := []int64{0}
	valueSlots := enc.ValueSlots()
	values := make([]float32, len(valueSlots))
	_, col := columns(enc, pools != nil)
	var wins []window
	for ordinal := int64(0); ; ordinal++ {
		if ordinal%checkEvery == 0 && ctx.Err() != nil {
			return 0, fmt.Errorf("dataset: encoding %s: stopped after %d records: %w", spec, ordinal, ctx.Err())
		}
		rp.report(ordinal, false, false)
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			rp.report(ordinal, true, false) // done once the cache is assembled
			break
		}
		if err != nil {
			return 0, err
		}
		if err := re.Encode(rec.Cols, ex); err != nil {
			// Only a malformed value is a bad row to skip: any other
			// error would fail every row alike.
			if ve := (*feature.ValueError)(nil); opts.Read.SkipBad && errors.As(err, &ve) {
				skipped++
				ord[0] = ordinal
				w.Int64(col[colRejected], ord)
				continue
			}
			return 0, Locate(rec, err)
		}
		label[0], group[0] = ex.Label, int64(ex.Group)
		w.Float32(col[colLabel], label)
		if col[colGroup] >= 0 {
			w.Int64(col[colGroup], group)
		}
		w.Int32(col[colIDs], ex.IDs)
		if col[colValues] >= 0 {
			for k, s := range valueSlots {
				values[k] = ex.Values[s]
			}
			w.Float32(col[colValues], values)
		}
		switch {
		case pools != nil:
			wins = pools.windows(wins[:0])
			if err := pools.add(ex.Seq, ex.SeqLens, wins, w, col[colSeq], col[colPools]); err != nil {
				return 0, Locate(rec, err)
			}
			w.Int32(col[colSeqLens], ex.SeqLens)
		case col[colSeq] >= 0:
			w.Int32(col[colSeq], ex.Seq)
			w.Int32(col[colSeqLens], ex.SeqLens)
		}
		if err := w.EndRow(); err != nil {
			return 0, err
		}
	}
	return skipped + r.Skipped(), nil
}

// view checks the cache's shape and ids against the encoders and exposes
// its columns.
func view(c *cache.Cache, enc *feature.Encoders, byRef bool) (*Dataset, error) {
	want, col := columns(enc, byRef)
	got := c.Columns()
	if len(got) != len(want) {
		return nil, fmt.Errorf("dataset: cache %s has %d columns, want %d", c.Path(), len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return nil, fmt.Errorf("dataset: cache %s: column %d is %+v, want %+v", c.Path(), i, got[i], want[i])
		}
	}
	var meta buildMeta
	if err := json.Unmarshal(c.Meta(), &meta); err != nil || meta.Skipped < 0 {
		return nil, fmt.Errorf("dataset: cache %s: no valid build record (%q): delete the file to rebuild it", c.Path(), c.Meta())
	}
	d := &Dataset{Rows: c.Rows(), Slots: want[col[colIDs]].Width, Skipped: meta.Skipped, seqs: seqLayouts(enc), c: c}
	if col[colSeqLens] >= 0 {
		d.NumSeq = want[col[colSeqLens]].Width
	}
	for _, q := range d.seqs {
		d.SeqLen += q.max
	}
	var err error
	for _, step := range []func() error{
		func() (e error) { d.Label, e = c.Float32("label"); return },
		func() (e error) { d.IDs, e = c.Int32("ids"); return },
		func() (e error) { d.rejected, e = c.Int64("rejected"); return },
	} {
		if err = step(); err != nil {
			return nil, err
		}
	}
	if err := d.checkRejected(); err != nil {
		return nil, err
	}
	if col[colGroup] >= 0 {
		if d.Group, err = c.Int64("group"); err != nil {
			return nil, err
		}
	} else {
		// Every key is 0: a slice the kernel backs with its zero page
		// while it is only read.
		d.Group = make([]int64, d.Rows)
	}
	if d.ValueSlots = enc.ValueSlots(); len(d.ValueSlots) > 0 {
		if d.StoredValues, err = c.Float32("values"); err != nil {
			return nil, err
		}
	}
	if col[colSeqLens] >= 0 {
		if d.SeqLens, err = c.Int32("seq_lens"); err != nil {
			return nil, err
		}
	}
	if !byRef {
		if col[colSeq] >= 0 {
			if d.Seq, err = c.Int32("seq"); err != nil {
				return nil, err
			}
		}
		if err := d.checkIDs(enc); err != nil {
			return nil, err
		}
		return d, nil
	}
	if d.SeqStart, err = c.Int64("seq_start"); err != nil {
		return nil, err
	}
	for s := range d.NumSeq {
		p, err := c.Int32(fmt.Sprintf("pool_%d", s))
		if err != nil {
			return nil, err
		}
		d.Pools = append(d.Pools, p)
	}
	if err := d.checkRefs(); err != nil {
		return nil, err
	}
	if err := d.checkIDs(enc); err != nil {
		return nil, err
	}
	return d, nil
}
