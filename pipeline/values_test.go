package pipeline

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/train"
)

// The cache keeps values for the plain numeric slots alone; the batches
// gathered from it must still hold every slot's id and value exactly as
// encoding the raw records directly gives them: 1 for each categorical
// (vocabulary, hashed or bucketized number), the normalized number for
// each plain numeric.
func TestBatchesEqualDirectEncoding(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.csv")
	var b strings.Builder
	b.WriteString("label,user,ad,price,count,score\n")
	const n = 400
	for i := range n {
		score := fmt.Sprint(float64(i%13) / 4)
		if i%11 == 0 {
			score = "" // filled
		}
		fmt.Fprintf(&b, "%d,u%d,a%d,%d,%d,%s\n", i%3/2, i%17, i%29, i*7%101, i%50, score)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Schema = &feature.Schema{Name: "mixed", Fields: []feature.Field{
		{Name: "label", Type: feature.Label},
		{Name: "user", Type: feature.Categorical},
		{Name: "price", Type: feature.Numeric, Normalizer: feature.Standardize},
		{Name: "ad", Type: feature.Categorical, HashBuckets: 64},
		{Name: "count", Type: feature.Numeric, Normalizer: feature.CriteoLog2},
		{Name: "score", Type: feature.Numeric, Normalizer: feature.MinMax, Fill: 0.5},
	}}
	p := prepare(t, &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache"), SplitSeed: 3})
	set := p.Train.Set
	// user, price, ad, count, score: price and score carry numbers.
	if fmt.Sprint(set.ValueSlots) != "[1 4]" || len(set.StoredValues) != 2*n {
		t.Fatalf("stored values of slots %v (%d values), want slots [1 4] of %d rows", set.ValueSlots, len(set.StoredValues), n)
	}

	// Every record, encoded directly, by ordinal.
	r, err := data.Open("csv:"+path, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	re, err := p.Encoders.Bind(r.Columns())
	if err != nil {
		t.Fatal(err)
	}
	var ids [][]int32
	var vals [][]float32
	var rec data.Record
	for r.Next(&rec) == nil {
		ex := p.Encoders.NewExample()
		if err := re.Encode(rec.Cols, ex); err != nil {
			t.Fatal(err)
		}
		ids, vals = append(ids, ex.IDs), append(vals, ex.Values)
	}
	if len(ids) != n {
		t.Fatalf("read %d records, want %d", len(ids), n)
	}
	st, _ := p.Encoders.Stats("price")
	for _, d := range []train.Data{p.Train, p.Valid, p.Test} {
		idx := make([]int32, d.Len())
		for i := range idx {
			idx[i] = int32(i)
		}
		bt := d.Source().Batch(idx)
		f := set.Slots
		for i := range idx {
			ord := set.Ordinal(d.Row(i))
			for s := range f {
				gotID, gotV := bt.IDs[i*f+s], bt.Values[i*f+s]
				if gotID != ids[ord][s] || math.Float32bits(gotV) != math.Float32bits(vals[ord][s]) {
					t.Fatalf("record %d slot %d: batch has %d/%v, direct encoding %d/%v", ord, s, gotID, gotV, ids[ord][s], vals[ord][s])
				}
				if s != 1 && s != 4 && gotV != 1 {
					t.Fatalf("record %d slot %d: categorical value %v, want 1", ord, s, gotV)
				}
			}
			// price is standardized by hand, independently of the encoder.
			x := float64(ord * 7 % 101)
			if w := (x - st.Mean) / st.Std; math.Abs(float64(bt.Values[i*f+1])-w) > 1e-5 {
				t.Fatalf("record %d: price value %v, want %v", ord, bt.Values[i*f+1], w)
			}
		}
	}
}
