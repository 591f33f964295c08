package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// biasGradRef is the definition: keep dz where y > 0, where y is −0 and
// where y is a NaN with its sign bit clear (the sign rule on −int32(bits)),
// then add each column's values to db row by row.
func biasGradRef(db, dz, y []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			g := dz[i*cols+j]
			if y != nil {
				v := y[i*cols+j]
				b := math.Float32bits(v)
				if !(v > 0 || b == 1<<31 || (v != v && b>>31 == 0)) {
					g = 0
				}
				dz[i*cols+j] = g
			}
			db[j] += g
		}
	}
}

// TestBiasGrad checks every implementation bit for bit against the
// reference on odd shapes (tail chunks of 1 to 15 columns, row counts off
// the 4-row blocks), with special values in y, and checks that nothing past
// the matrices is read into the sums or written.
func TestBiasGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0xffc00000), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}
	const guard = 16
	sentinel := float32(12345)
	for _, impl := range ewImpls() {
		for _, rows := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13} {
			for _, cols := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 400} {
				for _, relu := range []bool{false, true} {
					m := rows * cols
					dz := make([]float32, m+guard)
					y := make([]float32, m+guard)
					db := make([]float32, cols+guard)
					for i := range dz {
						dz[i] = 2*rng.Float32() - 1
						y[i] = 2*rng.Float32() - 1
						if rng.IntN(4) == 0 {
							y[i] = specials[rng.IntN(len(specials))]
						}
						if i >= m {
							dz[i], y[i] = sentinel, sentinel
						}
					}
					for j := range db {
						db[j] = 2*rng.Float32() - 1
						if j >= cols {
							db[j] = sentinel
						}
					}
					wantZ, wantB := append([]float32(nil), dz...), append([]float32(nil), db...)
					var ys []float32
					if relu {
						ys = y[:m]
					}
					biasGradRef(wantB, wantZ, ys, rows, cols)
					impl.biasGrad(db[:cols], dz[:m], ys, rows, cols)
					for i := range dz {
						if math.Float32bits(dz[i]) != math.Float32bits(wantZ[i]) {
							t.Fatalf("%s rows %d cols %d relu %v: dz[%d] = %v, want %v", impl.name, rows, cols, relu, i, dz[i], wantZ[i])
						}
					}
					for j := range db {
						if math.Float32bits(db[j]) != math.Float32bits(wantB[j]) {
							t.Fatalf("%s rows %d cols %d relu %v: db[%d] = %v, want %v", impl.name, rows, cols, relu, j, db[j], wantB[j])
						}
					}
				}
			}
		}
	}
}

// TestBiasGradByHand checks the exported functions on a 3×2 case worked
// out by hand.
func TestBiasGradByHand(t *testing.T) {
	dz := []float32{1, 2, 3, 4, 5, 6}
	db := []float32{10, 20}
	BiasGrad(db, dz, 3, 2)
	if db[0] != 19 || db[1] != 32 {
		t.Fatalf("BiasGrad: db = %v, want [19 32]", db)
	}
	y := []float32{1, 0, -1, 2, 3, -0.5}
	db = []float32{0, 0}
	ReLUBiasGrad(db, dz, y, 3, 2)
	want := []float32{1, 0, 0, 4, 5, 0}
	for i := range dz {
		if dz[i] != want[i] {
			t.Fatalf("ReLUBiasGrad: dz = %v, want %v", dz, want)
		}
	}
	if db[0] != 6 || db[1] != 4 {
		t.Fatalf("ReLUBiasGrad: db = %v, want [6 4]", db)
	}
	BiasGrad(nil, nil, 0, 5) // nothing to do
}
