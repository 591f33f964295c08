package blas

import "fmt"

// Exp sets dst[i] = e^src[i] for the len(dst) elements (src must be at least
// as long). dst and src may be the same slice. The result is within a few ulp
// of the correctly rounded one over the whole float32 range, subnormal
// results included; it overflows to +Inf above about 88.72, gives 0 below
// about -103.97, Exp(+Inf) = +Inf, Exp(-Inf) = 0 and NaN stays NaN.
func Exp(dst, src []float32) { expImpl(dst, src[:len(dst)]) }

// Sigmoid sets dst[i] = 1/(1+e^-src[i]). dst and src may be the same slice.
// It is computed as 1/(1+e^-|x|) or e^-|x|/(1+e^-|x|) by sign, so it never
// overflows: it saturates to exactly 1 for large x and to 0 (through the
// subnormals) for large -x, Sigmoid(±Inf) is 1 or 0, and NaN stays NaN.
func Sigmoid(dst, src []float32) { sigmoidImpl(dst, src[:len(dst)]) }

// Tanh sets dst[i] = tanh(src[i]). dst and src may be the same slice. Below
// |x| = 0.625 an odd polynomial keeps the relative error small near zero;
// above, 1 - 2/(e^2|x|+1) saturates to exactly ±1 (also for ±Inf) without
// producing NaN. NaN stays NaN and -0 stays -0.
func Tanh(dst, src []float32) { tanhImpl(dst, src[:len(dst)]) }

// Axpy sets y[i] += alpha·x[i] over len(y) elements (x must be at least as
// long).
func Axpy(alpha float32, x, y []float32) { axpyImpl(alpha, x[:len(y)], y) }

// Dot returns Σ x[i]·y[i] over len(x) elements (y must be at least as long).
// The summation order is fixed for a given length, so results are
// reproducible, but it is not left to right.
func Dot(x, y []float32) float32 { return dotImpl(x, y[:len(x)]) }

// BiasGrad adds the column sums of the rows×cols row-major matrix dz to
// db[:cols]: the gradient of a bias added to every row. Each column is summed
// row by row in order, as the plain loop does, so the result does not depend
// on the implementation.
func BiasGrad(db, dz []float32, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	biasGradImpl(db[:cols], dz[:rows*cols], nil, rows, cols)
}

// ReLUBiasGrad is BiasGrad preceded by the gradient of a ReLU whose output
// is y (rows×cols): it zeroes dz where y is not positive, then sums the
// columns, in one pass over memory. Like a sign test on y's bits it keeps
// the gradient where y is −0 (a ReLU passes −0 through) and drops it where
// y is +0.
func ReLUBiasGrad(db, dz, y []float32, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	biasGradImpl(db[:cols], dz[:rows*cols], y[:rows*cols], rows, cols)
}

// AdamConsts are the per-step scalars of Adam's update (see AdamUpdate).
type AdamConsts struct {
	// Beta1 and Beta2 are the moments' decay rates.
	Beta1, Beta2 float32
	// Step is the learning rate over 1−β1ᵗ; Corr is 1/√(1−β2ᵗ), which turns
	// √v into √v̂.
	Step, Corr float32
	// Eps keeps the step finite where v is zero.
	Eps float32
}

// AdamUpdate applies Adam's update to the weights w with gradients g and
// moments m and v, over len(w) elements (g, m and v must be as long):
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + ((1−β2)·g)·g
//	w ← w − (Step·m) / (√v·Corr + Eps)
//
// Every operation is rounded on its own, in this order, whatever the
// implementation: the results are those of the plain float32 loop bit for
// bit.
func AdamUpdate(w, g, m, v []float32, k AdamConsts) {
	n := len(w)
	if n == 0 {
		return
	}
	adamImpl(w, g[:n], m[:n], v[:n], [7]float32{k.Beta1, 1 - k.Beta1, k.Beta2, 1 - k.Beta2, k.Step, k.Corr, k.Eps})
}

// AdamRows applies AdamUpdate to rows of an embedding table: table row
// rows[i] holds its dim weights, then their m, then their v (stride ≥ 3·dim
// floats apart from one row to the next), and its gradient is grad[i·dim :
// (i+1)·dim]. The results are AdamUpdate's, bit for bit; one pass over all
// rows lets their cache misses overlap. It panics on a row outside the
// table or a short grad, before updating anything.
func AdamRows(data []float32, stride int, rows []int32, grad []float32, dim int, k AdamConsts) {
	if stride < 3*dim {
		panic(fmt.Sprintf("blas: AdamRows: stride %d below the 3×%d floats of weights, m and v", stride, dim))
	}
	n := checkRows("AdamRows", data, stride, rows, 3*dim, false)
	if len(grad) < n*dim {
		panic(fmt.Sprintf("blas: AdamRows: grad has %d floats, %d rows of %d need %d", len(grad), n, dim, n*dim))
	}
	if n == 0 || dim == 0 {
		return
	}
	adamRowsImpl(data, stride, rows, grad[:n*dim], dim, [7]float32{k.Beta1, 1 - k.Beta1, k.Beta2, 1 - k.Beta2, k.Step, k.Corr, k.Eps})
}

func adamRowsGeneric(data []float32, stride int, rows []int32, grad []float32, dim int, k [7]float32) {
	for i, r := range rows {
		o := int(r) * stride
		adamGeneric(data[o:o+dim], grad[i*dim:(i+1)*dim], data[o+dim:o+2*dim], data[o+2*dim:o+3*dim], k)
	}
}

// The implementations, replaced at start-up by assembly where the CPU has it.
var (
	expImpl     = expGeneric
	sigmoidImpl = sigmoidGeneric
	tanhImpl    = tanhGeneric
	axpyImpl    = axpyGeneric
	dotImpl     = dotGeneric
	// biasGradImpl applies the ReLU mask when y is not nil.
	biasGradImpl = biasGradGeneric
	// adamImpl takes the constants β1, 1−β1, β2, 1−β2, step, corr, ε.
	adamImpl = adamGeneric
	// The row moves take checked, non-empty arguments (rows.go).
	gatherRowsImpl     = gatherRowsGeneric
	scatterAddRowsImpl = scatterAddRowsGeneric
	adamRowsImpl       = adamRowsGeneric
	// The batch-statistics loops (batchstats.go); colAccImpl's mode: 0
	// sums, 1 squared deviations, 2 inner products.
	colAccImpl      = colAccGeneric
	standardizeImpl = standardizeGeneric
	bnGradImpl      = bnGradGeneric
)
