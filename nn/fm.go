package nn

import (
	"fmt"

	"github.com/recforge/recforge/blas"
)

// FMInteraction is the second-order term of a factorization machine
// (Rendle, ICDM'10) over F field embeddings of width k:
//
//	y = Σ_{i<j} ⟨v_i, v_j⟩ = ½ Σ_f [(Σ_i v_if)² − Σ_i v_if²]
//
// evaluated in O(F·k) per example through the right-hand form. The inputs
// are the field embeddings already scaled by their feature values (x_i·v_i),
// so the x_i x_j factors of the paper are inside them. A multi-hot field
// contributes one slot per active value; zero (padding) slots add nothing to
// either sum, so padding needs no mask here.
type FMInteraction struct {
	// Fields and Dim are F and k, the input's shape per example.
	Fields, Dim int

	maxBatch int
	n        int
	e        []float32 // the last Forward's input, not copied
	sum      []float32 // n×k: Σ_i v_i per example
	y        []float32 // n
	de       []float32 // n×F×k
	tiled    []float32 // F×k: one example's Σ_i v_i, repeated F times
}

// NewFMInteraction returns the FM pairwise term for batches of up to
// maxBatch examples of fields×dim embeddings.
func NewFMInteraction(fields, dim, maxBatch int) *FMInteraction {
	checkInteractionShape("FMInteraction", fields, dim, maxBatch)
	return &FMInteraction{
		Fields: fields, Dim: dim, maxBatch: maxBatch,
		sum:   make([]float32, maxBatch*dim),
		y:     make([]float32, maxBatch),
		de:    make([]float32, maxBatch*fields*dim),
		tiled: make([]float32, fields*dim),
	}
}

// Params returns nil: the FM term has no parameters of its own (the
// embeddings are the caller's).
func (l *FMInteraction) Params() []*Param { return nil }

// Forward computes the pairwise term of the n examples of e (n×F×k) and
// returns it (n×1).
func (l *FMInteraction) Forward(e []float32, n int) []float32 {
	F, k := l.Fields, l.Dim
	l.e = checkInteractionInput("FMInteraction", "e", e, n, l.maxBatch, F*k)
	l.n = n
	sum := l.sum[:n*k]
	fieldSum(sum, l.e, n, F, k)
	y := l.y[:n]
	for b := 0; b < n; b++ {
		var ss float32
		for _, v := range sum[b*k : b*k+k] {
			ss += v * v
		}
		// Σ v² over the F·k inputs: a vector dot product rather than one
		// chain of dependent additions (F·k = 390 for DeepFM on Criteo).
		eb := l.e[b*F*k : (b+1)*F*k]
		y[b] = 0.5 * (ss - blas.Dot(eb, eb))
	}
	return y
}

// Backward takes dL/dy (n×1) and returns dL/de (n×F×k):
// ∂y/∂v_if = (Σ_j v_jf) − v_if.
func (l *FMInteraction) Backward(dy []float32) []float32 {
	de := l.de[:l.n*l.Fields*l.Dim]
	clear(de)
	l.BackwardAdd(dy, de)
	return de
}

// BackwardAdd is Backward adding dL/de to de (n×F×k) instead of returning
// it, so that a model whose embeddings feed other layers too sums the
// gradients in place. Per example it adds g·(Σ_j v_j) to every field's k
// values, from a row of the sum repeated F times, then −g·e.
func (l *FMInteraction) BackwardAdd(dy, de []float32) {
	n, F, k := l.n, l.Fields, l.Dim
	dy = checkInteractionGrad("FMInteraction", dy, n)
	de = checkInteractionGrad("FMInteraction", de, n*F*k)
	tiled := l.tiled[:F*k]
	for b := 0; b < n; b++ {
		g := dy[b]
		tile(tiled, l.sum[b*k:b*k+k])
		o := b * F * k
		blas.Axpy(g, tiled, de[o:o+F*k])
		blas.Axpy(-g, l.e[o:o+F*k], de[o:o+F*k])
	}
}

// tile fills dst with copies of src, doubling the filled prefix each time.
func tile(dst, src []float32) {
	n := copy(dst, src)
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

// fieldSum sets sum[b] = Σ_i e[b,i] for the n examples of the n×F×k tensor
// e: the column sums of each example's F×k block, vectorized.
func fieldSum(sum, e []float32, n, F, k int) {
	clear(sum[:n*k])
	for b := 0; b < n; b++ {
		blas.BiasGrad(sum[b*k:b*k+k], e[b*F*k:(b+1)*F*k], F, k)
	}
}

// checkInteractionShape panics on a layer configuration no batch could run.
func checkInteractionShape(layer string, fields, dim, maxBatch int) {
	if fields < 1 || dim < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: %s: fields %d, dim %d and maxBatch %d must be positive", layer, fields, dim, maxBatch))
	}
}

// checkInteractionInput panics unless 0 ≤ n ≤ maxBatch and x holds n rows of
// width floats, and returns x cut to exactly those rows.
func checkInteractionInput(layer, name string, x []float32, n, maxBatch, width int) []float32 {
	if n < 0 || n > maxBatch {
		panic(fmt.Sprintf("nn: %s: batch %d outside [0, %d]", layer, n, maxBatch))
	}
	if len(x) < n*width {
		panic(fmt.Sprintf("nn: %s: %s has %d floats, batch %d needs %d", layer, name, len(x), n, n*width))
	}
	return x[:n*width]
}

// checkInteractionGrad panics unless dy holds the want floats of the last
// Forward's output gradient, and returns dy cut to them.
func checkInteractionGrad(layer string, dy []float32, want int) []float32 {
	if len(dy) < want {
		panic(fmt.Sprintf("nn: %s: output gradient has %d floats, want %d", layer, len(dy), want))
	}
	return dy[:want]
}
