package nn

import (
	"math"
	"testing"
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

// crossV1BackwardByFormula is CrossV1's Backward in float64 layer by
// layer, as the paper's recursion reads, from its own float64 forward pass
// over x0 (n×Dim) with c's weights.
func crossV1BackwardByFormula(c *Cross, x0, dy []float32, n int) (dx0, dw, db []float64) {
	d, L := c.Dim, c.Layers
	xs := make([][]float64, L+1) // x_0 … x_L
	s := make([][]float64, L)
	xs[0] = make([]float64, n*d)
	for i, v := range x0[:n*d] {
		xs[0][i] = float64(v)
	}
	for l := range L {
		xs[l+1], s[l] = make([]float64, n*d), make([]float64, n)
		for b := range n {
			for j := range d {
				s[l][b] += xs[l][b*d+j] * float64(c.W.W[l*d+j])
			}
			for j := range d {
				xs[l+1][b*d+j] = xs[0][b*d+j]*s[l][b] + float64(c.B.W[l*d+j]) + xs[l][b*d+j]
			}
		}
	}
	g := make([]float64, n*d)
	for i, v := range dy[:n*d] {
		g[i] = float64(v)
	}
	dx0 = make([]float64, n*d)
	dw = make([]float64, L*d)
	db = make([]float64, L*d)
	for l := L - 1; l >= 0; l-- {
		for b := range n {
			var ds float64
			for j := range d {
				ds += g[b*d+j] * xs[0][b*d+j]
			}
			for j := range d {
				v := g[b*d+j]
				db[l*d+j] += v
				dw[l*d+j] += ds * xs[l][b*d+j]
				dx0[b*d+j] += s[l][b] * v
				g[b*d+j] = v + ds*float64(c.W.W[l*d+j])
			}
		}
	}
	for j, v := range g {
		dx0[j] += v
	}
	return dx0, dw, db
}

// The closed-form Backward against the layer-by-layer formulas on shapes wider than
// a vector and with a partial one (d = 33, 37), adding to gradients that
// already hold values.
func TestCrossV1BackwardMatchesFormulas(t *testing.T) {
	for _, shape := range []struct{ n, d, L int }{{1, 1, 1}, {3, 5, 1}, {7, 6, 3}, {64, 33, 4}, {9, 37, 2}} {
		c := NewCross("cross", CrossV1, shape.d, shape.L, shape.n, NewRand(60))
		InitNormal(c.B.W, 0.5, NewRand(61))
		x0 := randomInput(shape.n*shape.d, 1, 62)
		dy := randomInput(shape.n*shape.d, 1, 63)
		c.Forward(x0, shape.n)
		wantDx0, wantDw, wantDb := crossV1BackwardByFormula(c, x0, dy, shape.n)
		for i := range c.W.G {
			c.W.G[i], c.B.G[i] = 1, -1
		}
		dx0 := c.Backward(append([]float32(nil), dy...))
		for _, cmp := range []struct {
			name  string
			got   []float32
			want  []float64
			start float64
		}{{"dL/dx0", dx0, wantDx0, 0}, {"dL/dw", c.W.G, wantDw, 1}, {"dL/db", c.B.G, wantDb, -1}} {
			for i, w := range cmp.want {
				if got := float64(cmp.got[i]) - cmp.start; math.Abs(got-w) > 1e-4*(1+math.Abs(w)) {
					t.Fatalf("n %d d %d L %d: %s[%d] = %v, the formulas give %v", shape.n, shape.d, shape.L, cmp.name, i, got, w)
				}
			}
		}
	}
}

// ForwardProject and BackwardProject against Forward and Backward: v·x_L
// from the materialized x_L, and the gradients of dL/dx_L = dz_b·v, with
// dL/dx0 and dL/dv added to what their buffers held.
func TestCrossProjectEqualsMaterialized(t *testing.T) {
	const n, d, L = 5, 21, 3
	for _, ver := range []CrossVersion{CrossV1, CrossV2} {
		c := NewCross("cross", ver, d, L, n, NewRand(70))
		InitNormal(c.B.W, 0.5, NewRand(71))
		x0 := randomInput(n*d, 1, 72)
		v := randomInput(d, 1, 73)
		dz := randomInput(n, 1, 74)
		xL := append([]float32(nil), c.Forward(x0, n)...)
		dy := make([]float32, n*d)
		for b := range n {
			for j := range d {
				dy[b*d+j] = dz[b] * v[j]
			}
		}
		c.W.ZeroGrad()
		c.B.ZeroGrad()
		dx := append([]float32(nil), c.Backward(dy)...)
		wantW, wantB := append([]float32(nil), c.W.G...), append([]float32(nil), c.B.G...)

		z := c.ForwardProject(x0, n, v)
		for b := range n {
			var want float64
			for j := range d {
				want += float64(xL[b*d+j]) * float64(v[j])
			}
			if !closeTo(z[b], want, 1e-5) {
				t.Fatalf("%v: v·x_L[%d] = %v, from Forward %v", ver, b, z[b], want)
			}
		}
		c.W.ZeroGrad()
		c.B.ZeroGrad()
		dx0 := make([]float32, n*d)
		dv := make([]float32, d)
		for i := range dx0 {
			dx0[i] = 2
		}
		for i := range dv {
			dv[i] = -1
		}
		c.BackwardProject(dz, v, dv, dx0)
		for i := range dx0 {
			if !closeTo(dx0[i]-2, float64(dx[i]), 1e-5) {
				t.Fatalf("%v: dL/dx0[%d] = 2 + %v, Backward %v", ver, i, dx0[i]-2, dx[i])
			}
		}
		for j := range d {
			var want float64
			for b := range n {
				want += float64(dz[b]) * float64(xL[b*d+j])
			}
			if !closeTo(dv[j]+1, want, 1e-5) {
				t.Fatalf("%v: dL/dv[%d] = −1 + %v, want %v", ver, j, dv[j]+1, want)
			}
		}
		for i := range wantW {
			if !closeTo(c.W.G[i], float64(wantW[i]), 1e-5) {
				t.Fatalf("%v: dL/dW[%d] = %v, Backward %v", ver, i, c.W.G[i], wantW[i])
			}
		}
		for i := range wantB {
			if !closeTo(c.B.G[i], float64(wantB[i]), 1e-5) {
				t.Fatalf("%v: dL/db[%d] = %v, Backward %v", ver, i, c.B.G[i], wantB[i])
			}
		}
	}
}
