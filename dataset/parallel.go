package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/feature"
)

// chunkRecords is how many records one chunk of a parallel fit or encode
// holds: a constant, so that how the records are cut never depends on the
// thread count (nothing in the results depends on it either), and large
// enough that handing a chunk over costs nothing next to its work.
const chunkRecords = 16384

// window is a record's window of a sequence kept by reference (see
// SeqWindower), captured while reading.
type window struct {
	key, end int64
	ok       bool
}

// chunk is a run of consecutive records copied out of the reader's
// buffers, and what the workers made of them.
type chunk struct {
	first int64 // the first record's ordinal
	n     int
	buf   []byte
	// ends holds each column value's end in buf, start each record's
	// first value in ends (and one past the last record's): offsets, not
	// slices, which the collector would have to scan.
	ends  []int32
	start []int32
	file  []string
	line  []int
	keep  []bool   // Fit: the record counts (Options.Keep)
	wins  []window // Build by reference: per record, one per pool

	// Build's encoded rows; ok[i] is false for a record skipped as bad.
	label   []float32
	group   []int64
	ids     []int32
	values  []float32
	seq     []int32
	seqLens []int32
	ok      []bool
	// The first error of the chunk, at record errAt (Build); Fit's
	// parts keep theirs.
	err   error
	errAt int
	done  chan struct{}
	refs  atomic.Int32

	// Reading by blocks (data.BlockReader): the block read into this
	// chunk, what ended the reading after it, the source's bytes read by
	// then, and what parsing it gave.
	blk         data.Block
	readErr     error
	read, total int64
	parseErr    error
	skipped     int64
	parsed      chan struct{}
}

// reset empties c for the records from ordinal first on.
func (c *chunk) reset(first int64) {
	c.first, c.n = first, 0
	c.buf, c.ends, c.start = c.buf[:0], c.ends[:0], append(c.start[:0], 0)
	c.file, c.line = c.file[:0], c.line[:0]
	c.keep, c.wins = c.keep[:0], c.wins[:0]
	c.err, c.errAt = nil, 0
}

// add copies rec into c.
func (c *chunk) add(rec *data.Record) {
	if c.n == 0 && cap(c.ends) == 0 {
		// Size the buffers once, from the first record, rather than
		// copying them over as they double.
		size := 0
		for _, v := range rec.Cols {
			size += len(v)
		}
		c.buf = make([]byte, 0, (size+size/4+64)*chunkRecords)
		c.ends = make([]int32, 0, len(rec.Cols)*chunkRecords)
		c.start = make([]int32, 1, chunkRecords+1)
	}
	size := 0
	for _, v := range rec.Cols {
		size += len(v)
	}
	c.buf = slices.Grow(c.buf, size)
	at := len(c.buf)
	buf := c.buf[:at+size]
	for _, v := range rec.Cols {
		at += copy(buf[at:], v)
		c.ends = append(c.ends, int32(at))
	}
	c.buf = buf
	c.start = append(c.start, int32(len(c.ends)))
	c.file = append(c.file, rec.File)
	c.line = append(c.line, rec.Line)
	c.n++
}

// record returns record i's columns in dst, reused.
func (c *chunk) record(i int, dst [][]byte) [][]byte {
	dst = dst[:0]
	a, b := c.start[i], c.start[i+1]
	from := int32(0)
	if a > 0 {
		from = c.ends[a-1]
	}
	for _, e := range c.ends[a:b] {
		dst = append(dst, c.buf[from:e:e])
		from = e
	}
	return dst
}

// locate returns record i's location, for Locate.
func (c *chunk) locate(i int) data.Record {
	return data.Record{File: c.file[i], Line: c.line[i]}
}

// chunkReader cuts a reader's records into chunks on its own goroutine,
// doing the sequential loop's bookkeeping: the context checks, progress
// reports, Options.Keep and the windows of a SeqWindower.
type chunkReader struct {
	ctx     context.Context
	r       data.Reader
	threads int // goroutines parsing blocks, for a data.BlockReader
	rp      *reporter
	keep    func(int64) bool
	pools   *poolSet
	free    chan *chunk
	stop    atomic.Bool // a worker failed: read no further
	// What ended the reading, once the goroutine is over: err is nil at
	// the end of the source (and when stopped), else the reader's error
	// or ctx's, at record ordinal at.
	err  error
	at   int64
	kept int64
	// skipped counts the malformed records that parsing blocks skipped
	// (the reader's Skipped counts those it skipped itself).
	skipped int64
}

// newChunkReader returns a reader with k chunks to fill; a
// data.BlockReader's blocks are parsed on threads goroutines.
func newChunkReader(ctx context.Context, r data.Reader, rp *reporter, keep func(int64) bool, pools *poolSet, k, threads int) *chunkReader {
	cr := &chunkReader{ctx: ctx, r: r, threads: threads, rp: rp, keep: keep, pools: pools, free: make(chan *chunk, k)}
	for range k {
		cr.free <- &chunk{done: make(chan struct{}, 1), parsed: make(chan struct{}, 1)}
	}
	return cr
}

// run reads until the end of the source, an error, a cancelled ctx or
// stop, calling send with each filled chunk (in order), and then returns.
// The stage's message names what ctx stopped.
func (cr *chunkReader) run(stage string, send func(*chunk)) {
	// A sequence source's windows are taken record by record as they are
	// read: only the others are parsed in blocks.
	if br, ok := cr.r.(data.BlockReader); ok && cr.pools == nil {
		cr.runBlocks(br, stage, send)
		return
	}
	var rec data.Record
	var c *chunk
	flush := func() {
		if c != nil && c.n > 0 {
			send(c)
		} else if c != nil {
			cr.free <- c
		}
		c = nil
	}
	defer flush()
	for ordinal := int64(0); ; ordinal++ {
		if ordinal%checkEvery == 0 {
			if err := cr.ctx.Err(); err != nil {
				cr.err, cr.at = fmt.Errorf("dataset: %s: stopped after %d records: %w", stage, ordinal, err), ordinal
				return
			}
			if cr.stop.Load() {
				return
			}
		}
		cr.rp.report(ordinal, false, false)
		if c == nil {
			c = <-cr.free
			c.reset(ordinal)
		}
		err := cr.r.Next(&rec)
		if errors.Is(err, io.EOF) {
			cr.at = ordinal
			return
		}
		if err != nil {
			cr.err, cr.at = err, ordinal
			return
		}
		c.add(&rec)
		if cr.keep != nil {
			k := cr.keep(ordinal)
			c.keep = append(c.keep, k)
			if k {
				cr.kept++
			}
		} else {
			cr.kept++
		}
		if cr.pools != nil {
			c.wins = cr.pools.windows(c.wins)
		}
		if c.n == chunkRecords {
			flush()
		}
	}
}

// runBlocks is run over a data.BlockReader: this goroutine's reader reads
// the blocks in order, cr.threads goroutines parse them into chunks, and
// this one numbers the parsed chunks' records and sends the chunks on in
// order — the sequential loop's records, keeps, errors and stops, with
// the parsing (the bulk of reading) spread over the threads.
func (cr *chunkReader) runBlocks(br data.BlockReader, stage string, send func(*chunk)) {
	cr.rp.report(0, false, false) // before the reader runs: it reads the byte counts
	toParse := make(chan *chunk, cap(cr.free))
	ordered := make(chan *chunk, cap(cr.free))
	var parsers sync.WaitGroup
	for range cr.threads {
		parsers.Add(1)
		go func() {
			defer parsers.Done()
			for c := range toParse {
				c.skipped, c.parseErr = c.blk.Parse(func(rec *data.Record) error {
					c.add(rec)
					return nil
				})
				c.parsed <- struct{}{}
			}
		}()
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(ordered)
		defer close(toParse)
		for !cr.stop.Load() && cr.ctx.Err() == nil {
			c := <-cr.free
			c.reset(0)
			c.blk, c.readErr = br.ReadBlock(c.blk, chunkRecords)
			if b, ok := cr.r.(data.ByteCounter); ok {
				c.read, c.total = b.BytesRead()
			}
			toParse <- c
			ordered <- c
			if c.readErr != nil {
				return
			}
		}
	}()
	ordinal := int64(0)
	defer func() {
		// Whatever ended the loop, let the reader and parsers finish and
		// put their chunks back, so that no goroutine outlives run.
		cr.stop.Store(true)
		for c := range ordered {
			<-c.parsed
			cr.free <- c
		}
		<-readerDone
		parsers.Wait()
	}()
	for c := range ordered {
		if err := cr.ctx.Err(); err != nil {
			<-c.parsed
			cr.free <- c
			cr.err, cr.at = fmt.Errorf("dataset: %s: stopped after %d records: %w", stage, ordinal, err), ordinal
			return
		}
		<-c.parsed
		c.first = ordinal
		cr.skipped += c.skipped
		if cr.keep != nil {
			for i := range c.n {
				k := cr.keep(ordinal + int64(i))
				c.keep = append(c.keep, k)
				if k {
					cr.kept++
				}
			}
		} else {
			cr.kept += int64(c.n)
		}
		ordinal += int64(c.n)
		if cr.rp != nil && ordinal/progressEvery != (ordinal-int64(c.n))/progressEvery {
			cr.rp.reportBytes(ordinal, c.read, c.total)
		}
		// Read before sending: once sent, c goes back to the reader.
		end, last := c.parseErr, c.readErr != nil
		if end == nil && !errors.Is(c.readErr, io.EOF) {
			end = c.readErr
		}
		if c.n > 0 {
			send(c)
		} else {
			cr.free <- c
		}
		if end != nil {
			cr.err, cr.at = end, ordinal
			return
		}
		if last { // the end of the source
			cr.at = ordinal
			return
		}
		if cr.stop.Load() {
			return
		}
	}
}

// chunksInFlight is how many chunks a parallel stage keeps per thread:
// one being worked on and one waiting, so that no thread idles while the
// reader fills the next.
const chunksInFlight = 2

// fitParallel is Fit's loop over the records of r with opts.Threads
// goroutines observing the fields: every part sees every record, in
// order, and owns its fields' counts, so the result is Observe's.
func fitParallel(ctx context.Context, spec string, r data.Reader, ft *feature.Fitter, rp *reporter, opts Options) error {
	parts := ft.Parts(opts.Threads)
	cr := newChunkReader(ctx, r, rp, opts.Keep, nil, chunksInFlight*len(parts)+1, opts.Threads)
	// Each part's first error, as (ordinal, field) to order them.
	type failure struct {
		ordinal int64
		field   int
		err     error
	}
	fails := make([]*failure, len(parts))
	queues := make([]chan *chunk, len(parts))
	var wg sync.WaitGroup
	for k, p := range parts {
		queues[k] = make(chan *chunk, chunksInFlight)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cols [][]byte
			for c := range queues[k] {
				for i := 0; i < c.n && fails[k] == nil; i++ {
					if c.keep != nil && !c.keep[i] {
						continue
					}
					cols = c.record(i, cols)
					if field, err := p.Observe(cols); err != nil {
						fails[k] = &failure{c.first + int64(i), field, Locate(c.locate(i), err)}
						cr.stop.Store(true)
					}
				}
				if c.refs.Add(-1) == 0 {
					cr.free <- c
				}
			}
		}()
	}
	cr.run("fitting the encoders on "+spec, func(c *chunk) {
		c.refs.Store(int32(len(parts)))
		for _, q := range queues {
			q <- c
		}
	})
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	// The first failure in record order wins, as in one pass: a bad
	// value before where the reading ended, else what ended it.
	var first *failure
	for _, f := range fails {
		if f != nil && (first == nil || f.ordinal < first.ordinal || f.ordinal == first.ordinal && f.field < first.field) {
			first = f
		}
	}
	if first != nil && (cr.err == nil || first.ordinal < cr.at) {
		return first.err
	}
	if cr.err != nil {
		return cr.err
	}
	ft.AddRows(cr.kept)
	rp.report(cr.at, true, true)
	return nil
}

// encodeParallel is encode with opts.Threads goroutines encoding chunks of
// records while this one writes them, strictly in record order, with the
// same checks and errors.
func encodeParallel(ctx context.Context, spec string, r data.Reader, enc *feature.Encoders, pools *poolSet, w *cache.Writer, rp *reporter, opts Options) (skipped int64, err error) {
	threads := opts.Threads
	cr := newChunkReader(ctx, r, rp, nil, pools, chunksInFlight*threads+1, threads)
	ordered := make(chan *chunk, chunksInFlight*threads+1)
	work := make(chan *chunk, chunksInFlight*threads+1)
	valueSlots := enc.ValueSlots()
	nv := len(valueSlots)
	proto := enc.NewExample()
	slots, seqTotal, nseq := len(proto.IDs), len(proto.Seq), len(proto.SeqLens)
	skipBad := opts.Read.SkipBad
	// Bind every worker's encoder before starting any, so that an error
	// leaves no goroutine behind.
	res := make([]*feature.RowEncoder, threads)
	for k := range res {
		var err error
		if res[k], err = enc.Bind(r.Columns()); err != nil {
			return 0, fmt.Errorf("%s: %w", spec, err)
		}
	}
	var wg sync.WaitGroup
	for _, re := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := enc.NewExample()
			var cols [][]byte
			for c := range work {
				n := c.n
				c.label = grow(c.label, n)
				c.group = grow(c.group, n)
				c.ids = grow(c.ids, n*slots)
				c.values = grow(c.values, n*nv)
				c.seq = grow(c.seq, n*seqTotal)
				c.seqLens = grow(c.seqLens, n*nseq)
				c.ok = grow(c.ok, n)
				for i := range n {
					cols = c.record(i, cols)
					if err := re.Encode(cols, ex); err != nil {
						// Only a malformed value is a bad row to skip:
						// any other error would fail every row alike.
						if ve := (*feature.ValueError)(nil); skipBad && errors.As(err, &ve) {
							c.ok[i] = false
							continue
						}
						c.err, c.errAt = Locate(c.locate(i), err), i
						cr.stop.Store(true)
						break
					}
					c.ok[i] = true
					c.label[i], c.group[i] = ex.Label, int64(ex.Group)
					copy(c.ids[i*slots:], ex.IDs)
					for k, s := range valueSlots {
						c.values[i*nv+k] = ex.Values[s]
					}
					copy(c.seq[i*seqTotal:], ex.Seq)
					copy(c.seqLens[i*nseq:], ex.SeqLens)
				}
				c.done <- struct{}{}
			}
		}()
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(ordered)
		defer close(work)
		cr.run("encoding "+spec, func(c *chunk) {
			ordered <- c
			work <- c
		})
	}()
	defer func() {
		// On an early return, let the reader stop and the workers
		// finish, so that no goroutine outlives Build.
		cr.stop.Store(true)
		for c := range ordered {
			<-c.done
			cr.free <- c
		}
		<-readerDone
		wg.Wait()
	}()
	_, col := columns(enc, pools != nil)
	var wins []window
	for c := range ordered {
		<-c.done
		np := 0
		if pools != nil {
			wins, np = c.wins, len(pools.pools)
		}
		end := c.n
		if c.err != nil {
			end = c.errAt
		}
		for i := range end {
			if !c.ok[i] {
				skipped++
				ord := [1]int64{c.first + int64(i)}
				w.Int64(col[colRejected], ord[:])
				continue
			}
			w.Float32(col[colLabel], c.label[i:i+1])
			if col[colGroup] >= 0 {
				w.Int64(col[colGroup], c.group[i:i+1])
			}
			w.Int32(col[colIDs], c.ids[i*slots:(i+1)*slots])
			if col[colValues] >= 0 {
				w.Float32(col[colValues], c.values[i*nv:(i+1)*nv])
			}
			seq, seqLens := c.seq[i*seqTotal:(i+1)*seqTotal], c.seqLens[i*nseq:(i+1)*nseq]
			switch {
			case pools != nil:
				if err := pools.add(seq, seqLens, wins[i*np:(i+1)*np], w, col[colSeq], col[colPools]); err != nil {
					return 0, Locate(c.locate(i), err)
				}
				w.Int32(col[colSeqLens], seqLens)
			case col[colSeq] >= 0:
				w.Int32(col[colSeq], seq)
				w.Int32(col[colSeqLens], seqLens)
			}
			if err := w.EndRow(); err != nil {
				return 0, err
			}
		}
		if c.err != nil {
			return 0, c.err
		}
		cr.free <- c
	}
	<-readerDone
	if cr.err != nil {
		return 0, cr.err
	}
	rp.report(cr.at, true, false) // done once the cache is assembled
	return skipped + cr.skipped + r.Skipped(), nil
}

// grow returns s resliced to n elements, reallocated when too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
