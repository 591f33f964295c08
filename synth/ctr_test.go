package synth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recforge/recforge/data"
)

func newCTR(t testing.TB, cfg CTRConfig) *CTR {
	t.Helper()
	g, err := NewCTR(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCTRDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files [3][]byte
	for i, seed := range []uint64{7, 7, 8} {
		path := filepath.Join(dir, "ctr.tsv.gz")
		if err := newCTR(t, CTRConfig{Seed: seed, CalibrationRows: 2000}).WriteTSVFile(path, 3000); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("same seed, different gzip files")
	}
	if bytes.Equal(files[0], files[2]) {
		t.Error("different seeds, same file")
	}
}

// TestCTRReaderMatchesTSV checks that the reader serves the very bytes of
// the file, in Criteo's shape: 40 columns, 0/1 labels, 8-hex tokens.
func TestCTRReaderMatchesTSV(t *testing.T) {
	g := newCTR(t, CTRConfig{Seed: 3, CalibrationRows: 2000})
	const n = 2000
	var file bytes.Buffer
	if err := g.WriteTSV(&file, n); err != nil {
		t.Fatal(err)
	}
	r := g.Reader(n)
	defer r.Close()
	if cols := r.Columns(); len(cols) != 40 || cols[0] != "label" || cols[1] != "I1" || cols[13] != "I13" || cols[14] != "C1" || cols[39] != "C26" {
		t.Fatalf("columns %v", cols)
	}
	var joined bytes.Buffer
	var rec data.Record
	tokens := make([]map[string]bool, 26)
	for i := range tokens {
		tokens[i] = map[string]bool{}
	}
	for i := 0; ; i++ {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			if i != n {
				t.Fatalf("EOF after %d rows, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Line != i+1 || len(rec.Cols) != 40 {
			t.Fatalf("record %d: line %d, %d columns", i, rec.Line, len(rec.Cols))
		}
		if l := string(rec.Cols[0]); l != "0" && l != "1" {
			t.Fatalf("row %d: label %q", i, l)
		}
		for j, c := range rec.Cols[14:] {
			if len(c) != 0 && (len(c) != 8 || len(bytes.Trim(c, "0123456789abcdef")) != 0) {
				t.Fatalf("row %d C%d: token %q", i, j+1, c)
			}
			tokens[j][string(c)] = true
		}
		joined.Write(bytes.Join(rec.Cols, []byte{'\t'}))
		joined.WriteByte('\n')
	}
	if !bytes.Equal(joined.Bytes(), file.Bytes()) {
		t.Fatal("reader records differ from the TSV file")
	}
	// C9 has 3 values and is never missing: exactly 3 tokens appear.
	if len(tokens[8]) != 3 {
		t.Errorf("C9 shows %d tokens, want 3", len(tokens[8]))
	}
}

// TestCTRTokensDistinct checks that a field's tokens are a bijection of its
// values, over a whole 10^5 vocabulary.
func TestCTRTokensDistinct(t *testing.T) {
	g := newCTR(t, CTRConfig{Seed: 1, CalibrationRows: 100})
	seen := map[string]int32{}
	for v := range int32(100000) {
		tok := g.Token(2, v)
		if w, dup := seen[tok]; dup {
			t.Fatalf("values %d and %d share token %s", w, v, tok)
		}
		seen[tok] = v
	}
}

// TestCTROracle checks the calibration and that the crosses matter: the
// oracle clearly beats the first-order oracle.
func TestCTROracle(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		o, err := newCTR(t, CTRConfig{Seed: seed}).Oracle(60000)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: %+v", seed, o)
		if math.Abs(o.CTR-0.2) > 0.01 || math.Abs(o.MeanP-0.2) > 0.01 {
			t.Errorf("seed %d: CTR %.4f, mean p %.4f; want 0.2 ± 0.01", seed, o.CTR, o.MeanP)
		}
		if o.AUC-o.FirstOrderAUC < 0.03 {
			t.Errorf("seed %d: oracle AUC %.4f, first-order %.4f: gap under 0.03", seed, o.AUC, o.FirstOrderAUC)
		}
		if o.FirstOrderAUC < 0.65 || o.AUC > 0.95 {
			t.Errorf("seed %d: AUCs %.4f / %.4f outside a realistic range", seed, o.FirstOrderAUC, o.AUC)
		}
	}
	// Without crosses the two oracles rank identically.
	o, err := newCTR(t, CTRConfig{Seed: 1, Crosses: []Cross{}, NumCatCrosses: []NumCatCross{}}).Oracle(20000)
	if err != nil || o.AUC != o.FirstOrderAUC {
		t.Errorf("no crosses: AUC %v, first-order %v, %v", o.AUC, o.FirstOrderAUC, err)
	}
}

// interaction measures how far click rates of a pair of columns are from
// additive in log-odds: the count-weighted mean square of the contrast
// logit(ctr_ab) − logit(ctr_a) − logit(ctr_b) + logit(ctr) over cells with
// at least minCell rows. It reads sampled labels only, not the model.
func interaction(labels []bool, a, b []int32) float64 {
	type cell struct{ n, k float64 }
	cells := map[[2]int32]*cell{}
	ma, mb := map[int32]*cell{}, map[int32]*cell{}
	var all cell
	add := func(c *cell, y bool) {
		c.n++
		if y {
			c.k++
		}
	}
	get := func(m map[int32]*cell, k int32) *cell {
		if m[k] == nil {
			m[k] = &cell{}
		}
		return m[k]
	}
	for i, y := range labels {
		key := [2]int32{a[i], b[i]}
		if cells[key] == nil {
			cells[key] = &cell{}
		}
		add(cells[key], y)
		add(get(ma, a[i]), y)
		add(get(mb, b[i]), y)
		add(&all, y)
	}
	lo := func(c *cell) float64 { p := (c.k + 0.5) / (c.n + 1); return math.Log(p / (1 - p)) }
	const minCell = 400
	var sum, w float64
	for key, c := range cells {
		if c.n < minCell {
			continue
		}
		d := lo(c) - lo(ma[key[0]]) - lo(mb[key[1]]) + lo(&all)
		sum += c.n * d * d
		w += c.n
	}
	return sum / w
}

// TestCTRCrossesPlanted checks, from labels alone, that a planted pair's
// click rates are not additive in log-odds, while an unplanted control pair
// of similar sizes — and the same pair with crosses off — nearly are.
func TestCTRCrossesPlanted(t *testing.T) {
	const n = 100000
	collect := func(g *CTR) (labels []bool, cat [][]int32, num [][]int32) {
		s, row := g.Stream(), g.NewRow()
		cat = make([][]int32, 26)
		num = make([][]int32, 13)
		for range n {
			s.Next(&row)
			labels = append(labels, row.Label)
			for j, v := range row.Cat {
				cat[j] = append(cat[j], v)
			}
			for k, x := range row.Num {
				// Coarse log2 buckets of the count; -1 missing.
				bucket := int32(-1)
				if !row.NumMissing[k] {
					bucket = int32(min(math.Floor(math.Log2(float64(x)+1)), 6))
				}
				num[k] = append(num[k], bucket)
			}
		}
		return labels, cat, num
	}
	labels, cat, num := collect(newCTR(t, CTRConfig{Seed: 5}))
	planted := interaction(labels, cat[16], cat[19])   // C17×C20, planted
	control := interaction(labels, cat[21], cat[8])    // C22×C9, not planted
	numPlanted := interaction(labels, num[0], cat[22]) // I1×C23, planted
	numControl := interaction(labels, num[1], cat[22]) // I2×C23, not planted
	off, offCat, offNum := collect(newCTR(t, CTRConfig{Seed: 5, Crosses: []Cross{}, NumCatCrosses: []NumCatCross{}}))
	plantedOff := interaction(off, offCat[16], offCat[19])
	numOff := interaction(off, offNum[0], offCat[22])
	t.Logf("C17×C20 %.4f (off %.4f), control C22×C9 %.4f; I1×C23 %.4f (off %.4f), control I2×C23 %.4f",
		planted, plantedOff, control, numPlanted, numOff, numControl)
	if planted < 4*control || planted < 4*plantedOff {
		t.Errorf("planted C17×C20 interaction %.4f not clearly above control %.4f / crosses off %.4f", planted, control, plantedOff)
	}
	if numPlanted < 3*numControl || numPlanted < 3*numOff {
		t.Errorf("planted I1×C23 interaction %.4f not clearly above control %.4f / crosses off %.4f", numPlanted, numControl, numOff)
	}
}

func TestCTRConfigErrors(t *testing.T) {
	for _, cfg := range []CTRConfig{
		{Vocab: []int{10, 0}},
		{Vocab: []int{10, 10}, CatMissing: []float64{0}},
		{BaseCTR: 1.5},
		{Crosses: []Cross{{A: 0, B: 0, Weight: 1}}},
		{Crosses: []Cross{{A: 0, B: 26, Weight: 1}}},
		{NumCatCrosses: []NumCatCross{{Num: 13, Cat: 0}}},
		{NumMissing: []float64{1}, Numeric: 1},
	} {
		if _, err := NewCTR(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func BenchmarkCTRStream(b *testing.B) {
	g := newCTR(b, CTRConfig{Seed: 1})
	s, row := g.Stream(), g.NewRow()
	b.ResetTimer()
	for range b.N {
		s.Next(&row)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkCTRWriteTSV(b *testing.B) {
	g := newCTR(b, CTRConfig{Seed: 1})
	b.ResetTimer()
	if err := g.WriteTSV(io.Discard, b.N); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkCTRReader(b *testing.B) {
	r := newCTR(b, CTRConfig{Seed: 1}).Reader(b.N)
	var rec data.Record
	b.ResetTimer()
	for range b.N {
		if err := r.Next(&rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// Read through blocks of any size, parsed out of order, a generated
// source gives exactly Next's records, located as Next locates them.
func TestCTRBlocksAreNext(t *testing.T) {
	g := newCTR(t, CTRConfig{Seed: 4})
	const n = 1000
	var want []string
	var rec data.Record
	r := g.Reader(n)
	for r.Next(&rec) == nil {
		want = append(want, fmt.Sprintf("%s:%d %q", rec.File, rec.Line, rec.Cols))
	}
	if len(want) != n {
		t.Fatalf("Next gave %d rows, want %d", len(want), n)
	}
	for _, size := range []int{1, 7, n, 2 * n} {
		br := g.Reader(n).(data.BlockReader)
		var blocks []data.Block
		for {
			b, err := br.ReadBlock(nil, size)
			if b.Len() > size {
				t.Fatalf("blocks of %d: a block of %d rows", size, b.Len())
			}
			blocks = append(blocks, b)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		got := make([][]string, len(blocks))
		for i := len(blocks) - 1; i >= 0; i-- { // last first: no block leans on another
			if _, err := blocks[i].Parse(func(rec *data.Record) error {
				got[i] = append(got[i], fmt.Sprintf("%s:%d %q", rec.File, rec.Line, rec.Cols))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if all := slices.Concat(got...); !slices.Equal(all, want) {
			t.Errorf("blocks of %d: %d rows differ from Next's %d", size, len(all), len(want))
		}
	}
}

// BenchmarkCTRReadBlock is the sequential part of reading generated rows
// in blocks (drawing their random numbers): its rate caps a parallel
// reading, against BenchmarkCTRReader's for reading them one by one.
func BenchmarkCTRReadBlock(b *testing.B) {
	r := newCTR(b, CTRConfig{Seed: 1}).Reader(b.N).(data.BlockReader)
	var blk data.Block
	b.ResetTimer()
	for n := 0; n < b.N; {
		var err error
		blk, err = r.ReadBlock(blk, 16384)
		n += blk.Len()
		if err != nil && !errors.Is(err, io.EOF) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
