package blas

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

type rowsImpl struct {
	name    string
	gather  func(dst, src []float32, ld int, idx []int32, w int)
	scatter func(dst []float32, ld int, idx []int32, src []float32, w int)
	adam    func(data []float32, stride int, rows []int32, grad []float32, dim int, k [7]float32)
}

var genericRows = rowsImpl{"generic", gatherRowsGeneric, scatterAddRowsGeneric, adamRowsGeneric}

// Every implementation against the plain loops written here, bit for bit,
// on widths around the 16-float chunk (1, 3, 15, 16, 17, 40), strides with
// room for optimizer state, repeated rows (added in order) and skipped ones;
// the floats around each row must stay untouched.
func TestRowsMatchPlainLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, impl := range rowsImpls() {
		for _, w := range []int{1, 3, 15, 16, 17, 40} {
			for _, ld := range []int{w, w + 2, 3 * w} {
				const rows, n = 50, 200
				table := make([]float32, rows*ld)
				for i := range table {
					table[i] = rng.Float32()*2 - 1
				}
				idx := make([]int32, n)
				for i := range idx {
					idx[i] = int32(rng.IntN(rows))
				}
				idx[7] = idx[3] // a row twice
				src := make([]float32, n*w)
				for i := range src {
					src[i] = rng.Float32()*2 - 1
				}

				got := make([]float32, n*w+1)
				got[n*w] = 42
				impl.gather(got, table, ld, idx, w)
				for i, r := range idx {
					for j := range w {
						if got[i*w+j] != table[int(r)*ld+j] {
							t.Fatalf("%s w %d ld %d: gather row %d[%d] = %v, table %v", impl.name, w, ld, i, j, got[i*w+j], table[int(r)*ld+j])
						}
					}
				}
				if got[n*w] != 42 {
					t.Fatalf("%s w %d ld %d: gather wrote past its rows", impl.name, w, ld)
				}

				sidx := append([]int32(nil), idx...)
				sidx[11], sidx[n-1] = -1, -1
				want := append([]float32(nil), table...)
				for i, r := range sidx {
					if r < 0 {
						continue
					}
					for j := range w {
						want[int(r)*ld+j] += src[i*w+j]
					}
				}
				out := append([]float32(nil), table...)
				impl.scatter(out, ld, sidx, src, w)
				for i := range want {
					if math.Float32bits(out[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s w %d ld %d: scatter-add table[%d] = %v, plain loop %v", impl.name, w, ld, i, out[i], want[i])
					}
				}
			}
		}
	}
}

// Indices outside the table panic with the position and value, before any
// row moves; an empty batch and a zero width do nothing.
func TestRowsCheckIndices(t *testing.T) {
	table := make([]float32, 4*3) // 4 rows of stride 3
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"gather past the end", func() { GatherRows(make([]float32, 6), table, 3, []int32{0, 4}, 2) }, "index 1 is 4, outside the table's 4 rows"},
		{"gather negative", func() { GatherRows(make([]float32, 6), table, 3, []int32{-1}, 2) }, "index 0 is -1"},
		{"scatter past the end", func() { ScatterAddRows(table, 3, []int32{1, 2, 9}, make([]float32, 6), 2) }, "index 2 is 9"},
		{"short dst", func() { GatherRows(make([]float32, 3), table, 3, []int32{0, 1}, 2) }, "dst has 3 floats"},
		{"width above stride", func() { GatherRows(make([]float32, 8), table, 3, []int32{0}, 4) }, "row width 4 and stride 3"},
	} {
		panicsWith(t, c.name, c.f, c.want)
		for _, v := range table {
			if v != 0 {
				t.Fatalf("%s: the table changed before the panic", c.name)
			}
		}
	}
	GatherRows(nil, table, 3, nil, 2)
	ScatterAddRows(table, 3, []int32{1}, nil, 0)
}

// AdamRows against AdamUpdate's plain loop row by row, bit for bit, on
// widths around the 16-float chunk and strides with room to spare; the
// floats between rows stay untouched.
func TestAdamRowsMatchPlainLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	k := [7]float32{0.9, 0.1, 0.999, 0.001, 3e-3 / 0.1, 1 / 0.03, 1e-8}
	for _, impl := range rowsImpls() {
		for _, dim := range []int{1, 10, 16, 17, 40} {
			for _, stride := range []int{3 * dim, 3*dim + 5} {
				const nrows = 30
				data := make([]float32, nrows*stride)
				for i := range data {
					data[i] = rng.Float32()*2 - 1
				}
				for r := range nrows { // v ≥ 0
					for j := 2 * dim; j < 3*dim; j++ {
						data[r*stride+j] = rng.Float32()
					}
				}
				rows := []int32{4, 0, 29, 7, 13}
				grad := make([]float32, len(rows)*dim)
				for i := range grad {
					grad[i] = rng.Float32()*2 - 1
				}
				want := append([]float32(nil), data...)
				for i, r := range rows {
					o := int(r) * stride
					adamGeneric(want[o:o+dim], grad[i*dim:(i+1)*dim], want[o+dim:o+2*dim], want[o+2*dim:o+3*dim], k)
				}
				got := append([]float32(nil), data...)
				impl.adam(got, stride, rows, grad, dim, k)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s dim %d stride %d: data[%d] = %v, plain loop %v", impl.name, dim, stride, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestAdamRowsChecks(t *testing.T) {
	data := make([]float32, 4*9) // 4 rows of dim 3, stride 9
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"row past the end", func() { AdamRows(data, 9, []int32{1, 4}, make([]float32, 6), 3, AdamConsts{}) }, "index 1 is 4"},
		{"negative row", func() { AdamRows(data, 9, []int32{-1}, make([]float32, 3), 3, AdamConsts{}) }, "index 0 is -1"},
		{"stride too small", func() { AdamRows(data, 8, []int32{0}, make([]float32, 3), 3, AdamConsts{}) }, "stride 8 below"},
		{"short grad", func() { AdamRows(data, 9, []int32{0, 1}, make([]float32, 5), 3, AdamConsts{}) }, "grad has 5 floats"},
	} {
		panicsWith(t, c.name, c.f, c.want)
	}
	for _, v := range data {
		if v != 0 {
			t.Fatal("the table changed before a panic")
		}
	}
}

// panicsWith reports an error unless f panics with a message containing
// want.
func panicsWith(t *testing.T, name string, f func(), want string) {
	t.Helper()
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("%s: panic %v, want one with %q", name, r, want)
		}
	}()
	f()
}
