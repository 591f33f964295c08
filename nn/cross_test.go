package nn

import (
	"math"
	"testing"

	"github.com/recforge/recforge/blas"
)

// explicitCross runs the cross network of c on one example in float64 by
// the formulas as written: CrossV1 builds the d×d matrix x0·x_lᵀ and applies
// it to w_l; CrossV2 applies W_l as stored (x_l·W_l).
func explicitCross(c *Cross, x0 []float32) []float64 {
	d := c.Dim
	x0f := make([]float64, d)
	for j, v := range x0 {
		x0f[j] = float64(v)
	}
	xl := append([]float64(nil), x0f...)
	for l := 0; l < c.Layers; l++ {
		next := make([]float64, d)
		for r := 0; r < d; r++ {
			var t float64
			for q := 0; q < d; q++ {
				switch c.Version {
				case CrossV1: // (x0 x_lᵀ)[r][q] · w_l[q]
					t += x0f[r] * xl[q] * float64(c.W.W[l*d+q])
				case CrossV2: // (x_l·W_l)[r]
					t += xl[q] * float64(c.W.W[(l*d+q)*d+r])
				}
			}
			b := float64(c.B.W[l*d+r])
			if c.Version == CrossV1 {
				next[r] = t + b + xl[r]
			} else {
				next[r] = x0f[r]*(t+b) + xl[r]
			}
		}
		xl = next
	}
	return xl
}

func TestCrossEqualsExplicitFormula(t *testing.T) {
	const n, d, L = 3, 5, 3
	for _, v := range []CrossVersion{CrossV1, CrossV2} {
		c := NewCross("cross", v, d, L, n, NewRand(50))
		InitNormal(c.B.W, 0.5, NewRand(51))
		x0 := randomInput(n*d, 1, 52)
		y := c.Forward(x0, n)
		for b := 0; b < n; b++ {
			want := explicitCross(c, x0[b*d:(b+1)*d])
			for j, w := range want {
				if !closeTo(y[b*d+j], w, 1e-5) {
					t.Fatalf("%v: x_L[%d,%d] = %v, explicit %v", v, b, j, y[b*d+j], w)
				}
			}
		}
	}
}

// A hand-sized CrossV1 case: x0 = (1, 2), w = (3, −1), b = (0.5, 0):
// x0ᵀw = 1, so x1 = x0·1 + b + x0 = (2.5, 4).
func TestCrossV1HandExample(t *testing.T) {
	c := NewCross("cross", CrossV1, 2, 1, 1, NewRand(0))
	copy(c.W.W, []float32{3, -1})
	copy(c.B.W, []float32{0.5, 0})
	if y := c.Forward([]float32{1, 2}, 1); y[0] != 2.5 || y[1] != 4 {
		t.Fatalf("x1 = %v, want [2.5 4]", y)
	}
}

func TestCrossGradients(t *testing.T) {
	const n, d, L = 4, 5, 3
	for _, v := range []CrossVersion{CrossV1, CrossV2} {
		t.Run(v.String(), func(t *testing.T) {
			c := NewCross("cross", v, d, L, 6, NewRand(53))
			InitNormal(c.B.W, 0.5, NewRand(54))
			x0 := randomInput(n*d, 1, 55)
			r := randomInput(n*d, 1, 56)
			dy := make([]float32, len(r))
			dx := make([]float32, len(x0))
			loss := func() float64 { return ProbeLoss(c.Forward(x0, n), r) }
			backward := func() {
				c.W.ZeroGrad()
				c.B.ZeroGrad()
				c.Forward(x0, n)
				copy(dy, r)
				copy(dx, c.Backward(dy))
			}
			vars := []Var{ParamVar(c.W), ParamVar(c.B), {Name: "x0", X: x0, G: dx}}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCrossNoAllocs(t *testing.T) {
	const n, d, L = 8, 6, 3
	for _, v := range []CrossVersion{CrossV1, CrossV2} {
		c := NewCross("cross", v, d, L, n, NewRand(57))
		x0 := randomInput(n*d, 1, 58)
		dy := randomInput(n*d, 1, 59)
		if a := testing.AllocsPerRun(10, func() { c.Forward(x0, n); c.Backward(dy) }); a != 0 {
			t.Fatalf("%v: %v allocations per Forward+Backward, want 0", v, a)
		}
	}
}

func BenchmarkCross(b *testing.B) {
	const n, d, L = 1024, 403, 3 // Criteo: 39 fields × k = 10 plus 13 numeric
	for _, v := range []CrossVersion{CrossV1, CrossV2} {
		b.Run(v.String(), func(b *testing.B) {
			c := NewCross("cross", v, d, L, n, NewRand(1))
			x0 := randomInput(n*d, 0.1, 2)
			dy := randomInput(n*d, 1, 3)
			for b.Loop() {
				c.Forward(x0, n)
				c.Backward(dy)
			}
		})
	}
}

// crossV1BackwardByFormula is CrossV1's Backward as one pass per formula
// (the implementation before its passes were fused): the fused one must
// give the same gradients bit for bit, not merely close ones.
func crossV1BackwardByFormula(c *Cross, dy []float32) (dx0, dw, db []float32) {
	n, d := c.n, c.Dim
	g := append([]float32(nil), dy...)
	dx0 = make([]float32, n*d)
	dw = make([]float32, c.Layers*d)
	db = make([]float32, c.Layers*d)
	ds := make([]float32, n)
	for l := c.Layers - 1; l >= 0; l-- {
		xl := c.layerIn(l)
		wl := c.W.W[l*d : (l+1)*d]
		s := c.s[l*c.maxBatch : l*c.maxBatch+n]
		blas.BiasGrad(db[l*d:(l+1)*d], g, n, d)
		for b := 0; b < n; b++ {
			var t float32
			for j := 0; j < d; j++ {
				t += g[b*d+j] * c.x0[b*d+j]
			}
			ds[b] = t
		}
		blas.Sgemm(true, false, d, 1, n, 1, xl, d, ds, 1, 1, dw[l*d:(l+1)*d], 1)
		for b := 0; b < n; b++ {
			for j := 0; j < d; j++ {
				v := g[b*d+j]
				dx0[b*d+j] += s[b] * v
				g[b*d+j] = v + ds[b]*wl[j]
			}
		}
	}
	for j, v := range g {
		dx0[j] += v
	}
	return dx0, dw, db
}

func TestCrossV1BackwardFusedBitIdentical(t *testing.T) {
	for _, shape := range []struct{ n, d, L int }{{1, 1, 1}, {3, 5, 1}, {7, 6, 3}, {64, 33, 4}} {
		c := NewCross("cross", CrossV1, shape.d, shape.L, shape.n, NewRand(60))
		InitNormal(c.B.W, 0.5, NewRand(61))
		x0 := randomInput(shape.n*shape.d, 1, 62)
		dy := randomInput(shape.n*shape.d, 1, 63)
		c.Forward(x0, shape.n)
		wantDx0, wantDw, wantDb := crossV1BackwardByFormula(c, dy)
		c.W.ZeroGrad()
		c.B.ZeroGrad()
		dx0 := c.Backward(append([]float32(nil), dy...))
		for _, cmp := range []struct {
			name      string
			got, want []float32
		}{{"dL/dx0", dx0, wantDx0}, {"dL/dw", c.W.G, wantDw}, {"dL/db", c.B.G, wantDb}} {
			for i := range cmp.want {
				if math.Float32bits(cmp.got[i]) != math.Float32bits(cmp.want[i]) {
					t.Fatalf("n %d d %d L %d: %s[%d] = %v, one pass per formula gives %v", shape.n, shape.d, shape.L, cmp.name, i, cmp.got[i], cmp.want[i])
				}
			}
		}
	}
}
