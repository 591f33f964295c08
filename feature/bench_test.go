package feature

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// criteoShapedRows generates n deterministic Criteo-shaped records: a 0/1
// label, 13 counts (log-uniform up to 10^4, 15% missing, a few negatives)
// and 26 categoricals of 8 hex digits drawn with Zipf frequencies from
// vocabularies of 10 to 10^5 values (5% missing).
func criteoShapedRows(n int) [][][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var zipfs [26]*rand.Zipf
	for j := range zipfs {
		size := []uint64{10, 100, 1000, 10000, 100000}[j%5]
		zipfs[j] = rand.NewZipf(rng, 1.1, 1, size-1)
	}
	rows := make([][][]byte, n)
	for i := range rows {
		r := make([][]byte, 40)
		r[0] = []byte(fmt.Sprint(rng.IntN(2)))
		for j := 1; j <= 13; j++ {
			switch p := rng.Float64(); {
			case p < 0.15:
				r[j] = []byte{}
			case p < 0.17:
				r[j] = []byte(fmt.Sprint(-rng.IntN(3)))
			default:
				r[j] = []byte(fmt.Sprint(int(rng.ExpFloat64() * 1000)))
			}
		}
		for j := range 26 {
			if rng.Float64() < 0.05 {
				r[14+j] = []byte{}
				continue
			}
			r[14+j] = fmt.Appendf(nil, "%08x", uint32(zipfs[j].Uint64()*2654435761+uint64(j)))
		}
		rows[i] = r
	}
	return rows
}

func benchEncode(b *testing.B, rows [][][]byte) {
	s, err := LoadSchema("testdata/criteo.yaml")
	if err != nil {
		b.Fatal(err)
	}
	ft, err := NewFitter(s, criteoColumns())
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if err := ft.Observe(r); err != nil {
			b.Fatal(err)
		}
	}
	e, err := ft.Encoders()
	if err != nil {
		b.Fatal(err)
	}
	r, err := e.Bind(criteoColumns())
	if err != nil {
		b.Fatal(err)
	}
	ex := e.NewExample()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := r.Encode(rows[i%len(rows)], ex); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodeCriteoShaped encodes synthetic Criteo-shaped records (13
// criteo_log2 counts and 26 categoricals, min_count 2) one row at a time.
func BenchmarkEncodeCriteoShaped(b *testing.B) {
	benchEncode(b, criteoShapedRows(50000))
}

// BenchmarkEncodeCriteo8k encodes the real rows of criteo-8k's train.csv.
func BenchmarkEncodeCriteo8k(b *testing.B) {
	var rows [][][]byte
	readCriteo(b, filepath.Join(shareddata.Dir(b), "criteo-8k", "train.csv"), func(_ int, cols [][]byte) {
		r := make([][]byte, len(cols))
		for i, c := range cols {
			r[i] = append([]byte{}, c...)
		}
		rows = append(rows, r)
	})
	benchEncode(b, rows)
}

// BenchmarkFitCriteoShaped measures the Fitter's Observe per row.
func BenchmarkFitCriteoShaped(b *testing.B) {
	rows := criteoShapedRows(50000)
	s, err := LoadSchema("testdata/criteo.yaml")
	if err != nil {
		b.Fatal(err)
	}
	ft, err := NewFitter(s, criteoColumns())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := ft.Observe(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFirstOutside checks Criteo-shaped ids (39 slots) against their
// ranges, as dataset.Build does for every cache it opens:
//
//	go test -run '^$' -bench FirstOutside -count 5 ./feature
func BenchmarkFirstOutside(b *testing.B) {
	const rows, slots = 600_000, 39
	ranges := make([]IDRange, slots)
	for j := range ranges {
		ranges[j] = IDRange{Lo: int32(1 + j*10_000), N: 10_000}
	}
	ids := make([]int32, rows*slots)
	for i := range ids {
		r := ranges[i%slots]
		ids[i] = r.Lo + int32((i*7919)%int(r.N))
	}
	b.SetBytes(int64(4 * len(ids)))
	for b.Loop() {
		if FirstOutside(ids, ranges) >= 0 {
			b.Fatal("an id outside")
		}
	}
}
