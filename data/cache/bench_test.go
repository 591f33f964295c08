package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchCols are the columns dataset.Build wrote for Criteo's schema up to
// format version 3: 39 slots, no sequences (whose ragged columns stay
// empty). Version 4 drops "values" (every Criteo slot's value is 1); the
// benchmark keeps it so that its figures in BENCHMARKS.md stay comparable.
var benchCols = []Column{
	{Name: "label", Type: Float32, Width: 1},
	{Name: "group", Type: Int64, Width: 1},
	{Name: "ids", Type: Int32, Width: 39},
	{Name: "values", Type: Float32, Width: 39},
	{Name: "seq", Type: Int32},
	{Name: "seq_lens", Type: Int32},
	{Name: "ordinal", Type: Int64, Width: 1},
}

// benchCache writes a cache of rows Criteo-shaped rows (348 bytes each)
// into dir and returns its path.
func benchCache(b *testing.B, dir string, rows int) string {
	path := filepath.Join(dir, fmt.Sprintf("criteo-%d.rfc", rows))
	w, err := Create(path, Fingerprint([]byte("bench")), benchCols)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int32, 39)
	vals := make([]float32, 39)
	for r := range rows {
		for j := range ids {
			ids[j] = int32(1 + (r*31+j*7919)%400000)
			vals[j] = float32(r%13) / 13
		}
		w.Float32(0, []float32{float32(r % 2)})
		w.Int64(1, []int64{int64(r)})
		w.Int32(2, ids)
		w.Float32(3, vals)
		w.Int32(4, nil)
		w.Int32(5, nil)
		w.Int64(6, []int64{int64(r)})
		if err := w.EndRow(); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkOpen measures what verifying the checksums adds to opening a
// cache (a fresh mapping each time, the file in the page cache), and to
// opening it and reading every column once, as the first pass over the
// data does anyway. cpu-ms/op is the process's CPU time per open, steadier
// than the wall time on a shared machine:
//
//	go test -run '^$' -bench Open -benchtime 10x -count 5 ./data/cache
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	for _, rows := range []int{100_000, 600_000} {
		path := benchCache(b, dir, rows)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, read := range []bool{false, true} {
			for _, verify := range []bool{false, true} {
				b.Run(fmt.Sprintf("rows=%d/read=%v/verify=%v", rows, read, verify), func(b *testing.B) {
					b.SetBytes(st.Size())
					cpu0 := cpuTime()
					for b.Loop() {
						c, err := open(path, verify)
						if err != nil {
							b.Fatal(err)
						}
						if read {
							sink += readAll(c)
						}
						c.Close()
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
				})
			}
		}
		os.Remove(path)
	}
}

var sink float64

// readAll touches every value of every column once.
func readAll(c *Cache) float64 {
	var s float64
	for _, col := range c.Columns() {
		switch col.Type {
		case Float32:
			v, _ := c.Float32(col.Name)
			for _, x := range v {
				s += float64(x)
			}
		case Int32:
			v, _ := c.Int32(col.Name)
			for _, x := range v {
				s += float64(x)
			}
		case Int64:
			v, _ := c.Int64(col.Name)
			for _, x := range v {
				s += float64(x)
			}
		}
	}
	return s
}
