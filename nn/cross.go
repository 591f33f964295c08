package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// CrossVersion selects the cross layer a Cross network stacks.
type CrossVersion int

const (
	// CrossV1 is the paper's cross layer (Wang et al., "Deep & Cross
	// Network for Ad Click Predictions", ADKDD'17):
	// x_{l+1} = x0·(x_lᵀ w_l) + b_l + x_l with w_l, b_l ∈ R^d.
	CrossV1 CrossVersion = iota
	// CrossV2 is DCN-V2's full-rank cross layer (Wang et al., WWW'21):
	// x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l with W_l ∈ R^{d×d}.
	CrossV2
)

// String names the version as configuration files spell it.
func (v CrossVersion) String() string {
	switch v {
	case CrossV1:
		return "v1"
	case CrossV2:
		return "v2"
	}
	return fmt.Sprintf("CrossVersion(%d)", int(v))
}

// Cross is the cross network of Deep&Cross: Layers cross layers over the
// same x0 (n×Dim), each adding one degree of feature interaction. The
// "+ x_l" residual is part of every layer.
//
// CrossV1 never builds the d×d matrix x0·x_lᵀ: it computes the scalar
// x_lᵀw_l of every example (one SGEMM of the batch against w_l) and scales
// x0 by it, O(d) per example and layer. CrossV2 runs W_l as one SGEMM over the
// batch with the bias fused into its store.
//
// Backward runs through the stack and adds to dL/dx0 the share of every
// layer, since each one reads x0 directly as well as through x_l.
type Cross struct {
	// Dim is d, the width of x0 and of every x_l; Layers is L.
	Dim, Layers int
	// Version selects the cross layer.
	Version CrossVersion
	// W holds the layer weights: CrossV1, Layers×Dim (row l is w_l); CrossV2,
	// Layers×Dim×Dim, each W_l stored In×Out (row-vector convention:
	// the layer computes x_l·W_l, the paper's W_l x_l with W_l transposed).
	W *Param
	// B holds the biases b_l, Layers×Dim.
	B *Param

	maxBatch int
	n        int
	x0       []float32 // the last Forward's input, not copied
	xs       []float32 // Layers blocks of maxBatch×Dim: x_1 … x_L
	s        []float32 // CrossV1: Layers blocks of maxBatch: x_lᵀw_l
	z        []float32 // CrossV2: Layers blocks of maxBatch×Dim: x_l·W_l + b_l
	g        []float32 // maxBatch×Dim: dL/dx_l during Backward
	ds       []float32 // CrossV1: maxBatch: dL/d(x_lᵀw_l)
	dz       []float32 // CrossV2: maxBatch×Dim: dL/dz_l
	dx0      []float32 // maxBatch×Dim
}

// NewCross returns a cross network of the given version and depth over
// dim-wide inputs, for batches of up to maxBatch rows. Weights are drawn
// Glorot-uniform from rng (w_l as a dim×1 matrix); biases start at zero.
func NewCross(name string, version CrossVersion, dim, layers, maxBatch int, rng *rand.Rand) *Cross {
	if dim < 1 || layers < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: Cross %s: dim %d, layers %d and maxBatch %d must be positive", name, dim, layers, maxBatch))
	}
	m := maxBatch * dim
	c := &Cross{
		Dim: dim, Layers: layers, Version: version, maxBatch: maxBatch,
		B:   NewParam(name+".b", layers, dim),
		xs:  make([]float32, layers*m),
		g:   make([]float32, m),
		dx0: make([]float32, m),
	}
	switch version {
	case CrossV1:
		c.W = NewParam(name+".w", layers, dim)
		InitGlorot(c.W.W, dim, 1, rng)
		c.s = make([]float32, layers*maxBatch)
		c.ds = make([]float32, maxBatch)
	case CrossV2:
		c.W = NewParam(name+".w", layers, dim, dim)
		InitGlorot(c.W.W, dim, dim, rng)
		c.z = make([]float32, layers*m)
		c.dz = make([]float32, m)
	default:
		panic(fmt.Sprintf("nn: Cross %s: unknown version %v", name, version))
	}
	return c
}

// Params returns W and B.
func (c *Cross) Params() []*Param { return []*Param{c.W, c.B} }

// layerIn returns x_l of the last Forward (x0 for l = 0), n×Dim.
func (c *Cross) layerIn(l int) []float32 {
	if l == 0 {
		return c.x0
	}
	return c.layerOut(l - 1)
}

// layerOut returns x_{l+1} of the last Forward, n×Dim.
func (c *Cross) layerOut(l int) []float32 {
	o := l * c.maxBatch * c.Dim
	return c.xs[o : o+c.n*c.Dim]
}

// Forward runs the stack on x0 (n×Dim), which must stay unchanged until
// Backward, and returns x_L (n×Dim).
func (c *Cross) Forward(x0 []float32, n int) []float32 {
	d := c.Dim
	c.x0 = checkInteractionInput("Cross", "x0", x0, n, c.maxBatch, d)
	c.n = n
	if n == 0 {
		return c.xs[:0]
	}
	for l := 0; l < c.Layers; l++ {
		xl, out := c.layerIn(l), c.layerOut(l)
		bl := c.B.W[l*d : (l+1)*d]
		switch c.Version {
		case CrossV1:
			s := c.s[l*c.maxBatch : l*c.maxBatch+n]
			blas.Sgemm(false, false, n, 1, d, 1, xl, d, c.W.W[l*d:(l+1)*d], 1, 0, s, 1)
			for b := 0; b < n; b++ {
				sb := s[b]
				x0b, xlb, ob := c.x0[b*d:(b+1)*d], xl[b*d:(b+1)*d], out[b*d:(b+1)*d]
				for j := range ob {
					ob[j] = x0b[j]*sb + bl[j] + xlb[j]
				}
			}
		case CrossV2:
			z := c.z[l*c.maxBatch*d : l*c.maxBatch*d+n*d]
			blas.SgemmEpilogue(false, false, n, d, d, 1, xl, d, c.W.W[l*d*d:(l+1)*d*d], d, 0, z, d, blas.Epilogue{Bias: bl})
			for j := range out {
				out[j] = c.x0[j]*z[j] + xl[j]
			}
		}
	}
	return c.layerOut(c.Layers - 1)
}

// Backward takes dL/dx_L (n×Dim), accumulates the gradients of W and B and
// returns dL/dx0 (n×Dim), the direct share of every layer included.
func (c *Cross) Backward(dy []float32) []float32 {
	n, d := c.n, c.Dim
	dy = checkInteractionGrad("Cross", dy, n*d)
	g, dx0 := c.g[:n*d], c.dx0[:n*d]
	copy(g, dy)
	clear(dx0)
	if n == 0 {
		return dx0
	}
	if c.Version == CrossV1 {
		c.backwardV1(g, dx0)
		return dx0
	}
	for l := c.Layers - 1; l >= 0; l-- {
		xl := c.layerIn(l)
		// x_{l+1} = x0 ⊙ z + x_l, z = x_l·W + b:
		// dL/dz = g ⊙ x0, dL/dx0 += g ⊙ z, dL/dW += x_lᵀ·dL/dz,
		// dL/db += Σ dL/dz, dL/dx_l = g + dL/dz·Wᵀ.
		z := c.z[l*c.maxBatch*d : l*c.maxBatch*d+n*d]
		dz := c.dz[:n*d]
		for j, v := range g {
			dz[j] = v * c.x0[j]
			dx0[j] += v * z[j]
		}
		wl := c.W.W[l*d*d : (l+1)*d*d]
		blas.Sgemm(true, false, d, d, n, 1, xl, d, dz, d, 1, c.W.G[l*d*d:(l+1)*d*d], d)
		blas.BiasGrad(c.B.G[l*d:(l+1)*d], dz, n, d)
		blas.Sgemm(false, true, n, d, d, 1, dz, d, wl, d, 1, g, d)
	}
	for j, v := range g {
		dx0[j] += v
	}
	return dx0
}

// backwardV1 is Backward through CrossV1 layers, g holding dL/dx_L and
// dx0 zeroed. Each layer x_{l+1} = x0·s + b + x_l, s = x_l·w, gives
// dL/db += Σ g, dL/ds = ⟨g, x0⟩, dL/dw += x_lᵀ·dL/ds, dL/dx0 += s·g and
// dL/dx_l = g + dL/ds·w. These are memory-bound passes over n×d values,
// so one pass per layer does the last two and, with the new g, the next
// layer's first two (the last layer's pass adds g to dL/dx0 too); every
// value is computed by the same operations in the same order as one pass
// per formula would.
func (c *Cross) backwardV1(g, dx0 []float32) {
	n, d := c.n, c.Dim
	ds := c.ds[:n]
	// The top layer's bias gradient and dL/ds.
	colSumsDots(c.B.G[(c.Layers-1)*d:c.Layers*d], ds, g, c.x0, n, d)
	for l := c.Layers - 1; l >= 0; l-- {
		xl := c.layerIn(l)
		wl := c.W.W[l*d : (l+1)*d]
		s := c.s[l*c.maxBatch : l*c.maxBatch+n]
		blas.Sgemm(true, false, d, 1, n, 1, xl, d, ds, 1, 1, c.W.G[l*d:(l+1)*d], 1)
		if l == 0 {
			for b := 0; b < n; b++ {
				gb, dxb := g[b*d:(b+1)*d], dx0[b*d:(b+1)*d]
				sb, dsb := s[b], ds[b]
				for j, v := range gb {
					dxb[j] += sb * v
					dxb[j] += v + dsb*wl[j]
				}
			}
			return
		}
		// dL/dx_l is the next (lower) layer's g: its bias gradient and
		// dL/ds come out of the same pass, ds overwritten row by row
		// once read.
		bg := c.B.G[(l-1)*d : l*d]
		for b := 0; b < n; b++ {
			gb, dxb, x0b := g[b*d:(b+1)*d], dx0[b*d:(b+1)*d], c.x0[b*d:(b+1)*d]
			sb, dsb := s[b], ds[b]
			var t float32
			for j, v := range gb {
				dxb[j] += sb * v
				u := v + dsb*wl[j]
				gb[j] = u
				bg[j] += u
				t += u * x0b[j]
			}
			ds[b] = t
		}
	}
}

// colSumsDots adds the column sums of g (n×w) to db and sets dot[b] to
// the inner product of g's and x's row b, in one pass.
func colSumsDots(db, dot, g, x []float32, n, w int) {
	db = db[:w]
	for b := 0; b < n; b++ {
		gb, xb := g[b*w:(b+1)*w], x[b*w:(b+1)*w]
		var t float32
		for j, v := range gb {
			db[j] += v
			t += v * xb[j]
		}
		dot[b] = t
	}
}
