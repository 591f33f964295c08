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
// CrossV1 never builds the d×d matrix x0·x_lᵀ, nor even the x_l: every
// layer only adds multiples of x0 and biases, so x_l = α_l·x0 + B_l with
// one scalar α_l per example and B_l = b_0 + … + b_{l−1}, and the whole
// stack is L dot products and a scaled copy per example (see cross_v1.go).
// CrossV2 runs W_l as one SGEMM over the batch with the bias fused into its
// store.
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
	dx0      []float32 // maxBatch×Dim: Backward's result
	proj     []float32 // maxBatch: ForwardProject's result

	// CrossV1 (cross_v1.go).
	out   []float32 // maxBatch×Dim: x_L for Forward
	alpha []float32 // maxBatch×Layers: α_1 … α_L of each example
	p     []float32 // maxBatch×Layers: x0·w_l of each example
	bsum  []float32 // Layers×Dim: B_1 … B_L, the biases' prefix sums
	q     []float32 // Layers: B_l·w_l
	pv    []float32 // maxBatch: v·x0 of each example (ForwardProject)
	gsum  []float32 // Dim: Σ dL/dx_L over the batch
	dsum  []float64 // Layers: Σ dL/ds_l over the batch
	ds    []float32 // Layers: dL/ds_l of one example

	// CrossV2.
	xs []float32 // Layers blocks of maxBatch×Dim: x_1 … x_L
	z  []float32 // Layers blocks of maxBatch×Dim: x_l·W_l + b_l
	g  []float32 // maxBatch×Dim: dL/dx_l during Backward
	dz []float32 // maxBatch×Dim: dL/dz_l
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
		B:    NewParam(name+".b", layers, dim),
		dx0:  make([]float32, m),
		proj: make([]float32, maxBatch),
	}
	switch version {
	case CrossV1:
		c.W = NewParam(name+".w", layers, dim)
		InitGlorot(c.W.W, dim, 1, rng)
		c.out = make([]float32, m)
		c.alpha = make([]float32, maxBatch*layers)
		c.p = make([]float32, maxBatch*layers)
		c.pv = make([]float32, maxBatch)
		c.bsum = make([]float32, layers*dim)
		c.q = make([]float32, layers)
		c.gsum = make([]float32, dim)
		c.dsum = make([]float64, layers)
		c.ds = make([]float32, layers)
	case CrossV2:
		c.W = NewParam(name+".w", layers, dim, dim)
		InitGlorot(c.W.W, dim, dim, rng)
		c.xs = make([]float32, layers*m)
		c.z = make([]float32, layers*m)
		c.g = make([]float32, m)
		c.dz = make([]float32, m)
	default:
		panic(fmt.Sprintf("nn: Cross %s: unknown version %v", name, version))
	}
	return c
}

// Params returns W and B.
func (c *Cross) Params() []*Param { return []*Param{c.W, c.B} }

// Forward runs the stack on x0 (n×Dim), which must stay unchanged until
// Backward, and returns x_L (n×Dim).
func (c *Cross) Forward(x0 []float32, n int) []float32 {
	c.start(x0, n)
	if c.Version == CrossV1 {
		c.forwardV1()
		return c.out[:n*c.Dim]
	}
	c.forwardV2()
	return c.layerOut(c.Layers - 1)
}

// Backward takes dL/dx_L (n×Dim), accumulates the gradients of W and B and
// returns dL/dx0 (n×Dim), the direct share of every layer included.
func (c *Cross) Backward(dy []float32) []float32 {
	n, d := c.n, c.Dim
	dy = checkInteractionGrad("Cross", dy, n*d)
	dx0 := c.dx0[:n*d]
	clear(dx0)
	if n == 0 {
		return dx0
	}
	if c.Version == CrossV1 {
		c.backwardV1(dy, nil, nil, dx0)
		return dx0
	}
	g := c.g[:n*d]
	copy(g, dy)
	c.backwardV2(g, dx0)
	return dx0
}

// ForwardProject runs the stack on x0 (n×Dim), which must stay unchanged
// until BackwardProject, and returns the n projections v·x_L (v: Dim
// floats, unchanged until BackwardProject too): Deep&Cross's output layer
// reads x_L only through such a product. CrossV1 never forms x_L for it:
// v·x_L = α_L·(v·x0) + v·B_L (cross_v1.go).
func (c *Cross) ForwardProject(x0 []float32, n int, v []float32) []float32 {
	d := c.Dim
	c.start(x0, n)
	v = checkInteractionGrad("Cross", v, d)
	dst := c.proj[:n]
	if c.Version == CrossV1 {
		c.projectV1(v, dst)
		return dst
	}
	c.forwardV2()
	xL := c.layerOut(c.Layers - 1)
	for b := range n {
		dst[b] = blas.Dot(xL[b*d:(b+1)*d], v)
	}
	return dst
}

// BackwardProject takes dL/d(v·x_L) (n), accumulates the gradients of W
// and B, adds dL/dv = Σ_b dL/d(v·x_L)_b·x_L,b to dv (Dim) and dL/dx0 to dx0
// (n×Dim): a model whose x0 feeds other layers too sums the gradients in
// place.
func (c *Cross) BackwardProject(dz, v, dv, dx0 []float32) {
	n, d := c.n, c.Dim
	dz = checkInteractionGrad("Cross", dz, n)
	v = checkInteractionGrad("Cross", v, d)
	dv = checkInteractionGrad("Cross", dv, d)
	dx0 = checkInteractionGrad("Cross", dx0, n*d)
	if n == 0 {
		return
	}
	if c.Version == CrossV1 {
		c.backwardV1(dz, v, dv, dx0)
		return
	}
	// dL/dx_L = dz_b·v per example.
	g := c.g[:n*d]
	xL := c.layerOut(c.Layers - 1)
	for b := range n {
		gb := g[b*d : (b+1)*d]
		clear(gb)
		blas.Axpy(dz[b], v, gb)
		blas.Axpy(dz[b], xL[b*d:(b+1)*d], dv)
	}
	c.backwardV2(g, dx0)
}

// start records the input of a Forward.
func (c *Cross) start(x0 []float32, n int) {
	c.x0 = checkInteractionInput("Cross", "x0", x0, n, c.maxBatch, c.Dim)
	c.n = n
}

// layerIn returns CrossV2's x_l of the last Forward (x0 for l = 0), n×Dim.
func (c *Cross) layerIn(l int) []float32 {
	if l == 0 {
		return c.x0
	}
	return c.layerOut(l - 1)
}

// layerOut returns CrossV2's x_{l+1} of the last Forward, n×Dim.
func (c *Cross) layerOut(l int) []float32 {
	o := l * c.maxBatch * c.Dim
	return c.xs[o : o+c.n*c.Dim]
}

// forwardV2 runs CrossV2 layers over the batch: z = x_l·W_l + b_l in one
// SGEMM, then x_{l+1} = x0 ⊙ z + x_l.
func (c *Cross) forwardV2() {
	n, d := c.n, c.Dim
	if n == 0 {
		return
	}
	for l := 0; l < c.Layers; l++ {
		xl, out := c.layerIn(l), c.layerOut(l)
		bl := c.B.W[l*d : (l+1)*d]
		z := c.z[l*c.maxBatch*d : l*c.maxBatch*d+n*d]
		blas.SgemmEpilogue(false, false, n, d, d, 1, xl, d, c.W.W[l*d*d:(l+1)*d*d], d, 0, z, d, blas.Epilogue{Bias: bl})
		for j := range out {
			out[j] = c.x0[j]*z[j] + xl[j]
		}
	}
}

// backwardV2 runs CrossV2 layers backward from g = dL/dx_L (n×Dim,
// overwritten), adding dL/dx0 to dx0.
func (c *Cross) backwardV2(g, dx0 []float32) {
	n, d := c.n, c.Dim
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
}
