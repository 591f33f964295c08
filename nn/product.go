package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// The product layers of PNN (Qu et al., "Product-based Neural Networks for
// User Response Prediction", ICDM'16). Each takes the field embeddings
// f_1…f_F of an example (n×F×k, row-major) and produces the product signal p
// of the product layer, or directly its contribution l_p to the first hidden
// layer's pre-activation l_1 = ReLU(l_z + l_p + b_1).

// NumPairs returns F(F−1)/2, the number of field pairs i<j.
func NumPairs(fields int) int { return fields * (fields - 1) / 2 }

// PairFields returns the fields (i, j), i<j, of pair index p, in the order
// every pairwise layer of this package lays its pairs out: (0,1), (0,2), …,
// (0,F−1), (1,2), …, (F−2,F−1).
func PairFields(fields, p int) (i, j int) {
	if p < 0 || p >= NumPairs(fields) {
		panic(fmt.Sprintf("nn: pair %d outside [0, %d) for %d fields", p, NumPairs(fields), fields))
	}
	for i = 0; p >= fields-1-i; i++ {
		p -= fields - 1 - i
	}
	return i, i + 1 + p
}

// pairTable returns the fields of every pair, in PairFields order, as two
// parallel slices, so that hot loops need no index arithmetic.
func pairTable(fields int) (pi, pj []int32) {
	P := NumPairs(fields)
	pi, pj = make([]int32, 0, P), make([]int32, 0, P)
	for i := 0; i < fields; i++ {
		for j := i + 1; j < fields; j++ {
			pi, pj = append(pi, int32(i)), append(pj, int32(j))
		}
	}
	return pi, pj
}

// InnerProduct is IPNN's full product layer: every pairwise inner product
// p_ij = ⟨f_i, f_j⟩, i<j (Qu et al., ICDM'16), as an n×P output with
// P = F(F−1)/2 in PairFields order. The paper's first-layer kernel
// l_p^d = Σ_{i<j} W^d_ij p_ij is then a Dense layer on this output (alone or
// concatenated with the linear signals).
//
// Each example's F×F Gram matrix E·Eᵀ is one SGEMM; the layer keeps its upper
// triangle.
type InnerProduct struct {
	// Fields and Dim are F and k, the input's shape per example.
	Fields, Dim int

	maxBatch int
	n        int
	pi, pj   []int32
	e        []float32 // the last Forward's input, not copied
	gram     []float32 // F×F scratch, forward and backward
	y        []float32 // n×P
	de       []float32 // n×F×k
}

// NewInnerProduct returns the full inner-product layer for batches of up to
// maxBatch examples of fields×dim embeddings (fields ≥ 2).
func NewInnerProduct(fields, dim, maxBatch int) *InnerProduct {
	checkPairShape("InnerProduct", fields, dim, maxBatch)
	l := &InnerProduct{
		Fields: fields, Dim: dim, maxBatch: maxBatch,
		gram: make([]float32, fields*fields),
		y:    make([]float32, maxBatch*NumPairs(fields)),
		de:   make([]float32, maxBatch*fields*dim),
	}
	l.pi, l.pj = pairTable(fields)
	return l
}

// Params returns nil: the kernel on the products is the next Dense layer's.
func (l *InnerProduct) Params() []*Param { return nil }

// Forward returns the n×P pairwise inner products of e (n×F×k).
func (l *InnerProduct) Forward(e []float32, n int) []float32 {
	F, k, P := l.Fields, l.Dim, len(l.pi)
	l.e = checkInteractionInput("InnerProduct", "e", e, n, l.maxBatch, F*k)
	l.n = n
	y := l.y[:n*P]
	for b := 0; b < n; b++ {
		eb := l.e[b*F*k : (b+1)*F*k]
		blas.Sgemm(false, true, F, F, k, 1, eb, k, eb, k, 0, l.gram, F)
		yb := y[b*P : (b+1)*P]
		for p := range yb {
			yb[p] = l.gram[int(l.pi[p])*F+int(l.pj[p])]
		}
	}
	return y
}

// Backward takes dL/dp (n×P) and returns dL/de (n×F×k): with S the symmetric
// F×F matrix holding dL/dp_ij at (i,j) and (j,i) and a zero diagonal,
// dL/dE = S·E per example.
func (l *InnerProduct) Backward(dy []float32) []float32 {
	n, F, k, P := l.n, l.Fields, l.Dim, len(l.pi)
	dy = checkInteractionGrad("InnerProduct", dy, n*P)
	de := l.de[:n*F*k]
	s := l.gram
	clear(s)
	for b := 0; b < n; b++ {
		for p, g := range dy[b*P : (b+1)*P] {
			i, j := int(l.pi[p]), int(l.pj[p])
			s[i*F+j], s[j*F+i] = g, g
		}
		o := b * F * k
		blas.Sgemm(false, false, F, k, F, 1, s, F, l.e[o:o+F*k], k, 0, de[o:o+F*k], k)
	}
	return de
}

// InnerProductReduced is IPNN in the paper's reduced form (Qu et al.,
// ICDM'16): the first-layer kernel of output d is constrained to the rank-one
// W_p^d = θ^d θ^dᵀ with θ^d ∈ R^F, so that
//
//	l_p^d = Σ_i Σ_j θ^d_i θ^d_j ⟨f_i, f_j⟩ = ‖Σ_i θ^d_i f_i‖²
//
// for each of the Out outputs (the paper's D1). Note that the double sum runs
// over all i, j, the diagonal included, as in the paper.
//
// The Out×k vectors δ^d = Σ_i θ^d_i f_i of the whole batch are one SGEMM
// Θ·E_F, with E_F the input re-laid field-major (F × n·k).
type InnerProductReduced struct {
	// Fields and Dim are F and k, the input's shape per example; Out is
	// D1, the number of outputs.
	Fields, Dim, Out int
	// Theta holds θ, Out×F: row d is θ^d.
	Theta *Param

	maxBatch int
	n        int
	et       []float32 // F × n·k: the input, field-major
	delta    []float32 // Out × n·k: δ^d of every example
	ddelta   []float32 // Out × n·k
	det      []float32 // F × n·k
	y        []float32 // n×Out
	de       []float32 // n×F×k
}

// NewInnerProductReduced returns the reduced IPNN layer with out outputs for
// batches of up to maxBatch examples, θ drawn Glorot-uniform from rng.
func NewInnerProductReduced(name string, fields, dim, out, maxBatch int, rng *rand.Rand) *InnerProductReduced {
	checkInteractionShape("InnerProductReduced", fields, dim, maxBatch)
	if out < 1 {
		panic(fmt.Sprintf("nn: InnerProductReduced %s: out %d must be positive", name, out))
	}
	nk := maxBatch * dim
	l := &InnerProductReduced{
		Fields: fields, Dim: dim, Out: out, maxBatch: maxBatch,
		Theta:  NewParam(name+".theta", out, fields),
		et:     make([]float32, fields*nk),
		delta:  make([]float32, out*nk),
		ddelta: make([]float32, out*nk),
		det:    make([]float32, fields*nk),
		y:      make([]float32, maxBatch*out),
		de:     make([]float32, maxBatch*fields*dim),
	}
	InitGlorot(l.Theta.W, fields, out, rng)
	return l
}

// Params returns θ.
func (l *InnerProductReduced) Params() []*Param { return []*Param{l.Theta} }

// Forward returns l_p (n×Out) for the n examples of e (n×F×k).
func (l *InnerProductReduced) Forward(e []float32, n int) []float32 {
	F, k, D := l.Fields, l.Dim, l.Out
	e = checkInteractionInput("InnerProductReduced", "e", e, n, l.maxBatch, F*k)
	l.n = n
	nk := n * k
	et := l.et[:F*nk]
	for b := 0; b < n; b++ {
		for i := 0; i < F; i++ {
			copy(et[i*nk+b*k:i*nk+b*k+k], e[(b*F+i)*k:(b*F+i+1)*k])
		}
	}
	delta := l.delta[:D*nk]
	blas.Sgemm(false, false, D, nk, F, 1, l.Theta.W, F, et, nk, 0, delta, nk)
	y := l.y[:n*D]
	for d := 0; d < D; d++ {
		for b := 0; b < n; b++ {
			var s float32
			for _, v := range delta[d*nk+b*k : d*nk+b*k+k] {
				s += v * v
			}
			y[b*D+d] = s
		}
	}
	return y
}

// Backward takes dL/dl_p (n×Out), accumulates dL/dθ and returns dL/de
// (n×F×k), through dL/dδ^d = 2·dL/dl_p^d·δ^d.
func (l *InnerProductReduced) Backward(dy []float32) []float32 {
	n, F, k, D := l.n, l.Fields, l.Dim, l.Out
	dy = checkInteractionGrad("InnerProductReduced", dy, n*D)
	nk := n * k
	delta, ddelta := l.delta[:D*nk], l.ddelta[:D*nk]
	for d := 0; d < D; d++ {
		for b := 0; b < n; b++ {
			g := 2 * dy[b*D+d]
			o := d*nk + b*k
			for c, v := range delta[o : o+k] {
				ddelta[o+c] = g * v
			}
		}
	}
	et, det := l.et[:F*nk], l.det[:F*nk]
	blas.Sgemm(false, true, D, F, nk, 1, ddelta, nk, et, nk, 1, l.Theta.G, F)
	blas.Sgemm(true, false, F, nk, D, 1, l.Theta.W, F, ddelta, nk, 0, det, nk)
	de := l.de[:n*F*k]
	for b := 0; b < n; b++ {
		for i := 0; i < F; i++ {
			copy(de[(b*F+i)*k:(b*F+i+1)*k], det[i*nk+b*k:i*nk+b*k+k])
		}
	}
	return de
}

// outerProductScratchFloats bounds the scratch (4 MiB) OuterProduct
// materializes outer products into: enough for SGEMM inner dimensions of
// hundreds, while the memory stays fixed whatever the number of pairs.
const outerProductScratchFloats = 1 << 20

// OuterProduct is OPNN's full product layer (Qu et al., ICDM'16): every pair
// i<j contributes its outer product p_ij = f_i f_jᵀ (k×k) through a learned
// kernel, giving the first hidden layer's contribution
//
//	l_p^d = Σ_{i<j} ⟨W^d_ij, f_i f_jᵀ⟩ = Σ_{i<j} f_iᵀ W^d_ij f_j
//
// for each of the Out outputs. The kernel has P·k²·Out weights
// (P = F(F−1)/2; 29.6 million for 39 fields, k = 10 and 400 outputs), which
// is why the paper proposes the reduced form (OuterProductReduced); this
// layer is the full form, with no constraint on the kernel.
//
// Evaluation is exact and GEMM-shaped: the kernel is stored as a
// (P·k²)×Out matrix (pair-major, then row a of f_i, then column b of f_j), so
// that l_p = vec(p)·Kernel where vec(p) concatenates the flattened outer
// products. The layer never holds vec(p) for all pairs at once: it
// materializes the outer products of a block of pairs for the whole batch
// and accumulates that block's SGEMM (inner dimension block·k²) into l_p,
// block after block. Backward recomputes each block the same way.
type OuterProduct struct {
	// Fields and Dim are F and k, the input's shape per example; Out is
	// D1, the number of outputs.
	Fields, Dim, Out int
	// Kernel holds W, shape (P, k, k, Out), i.e. row p·k²+a·k+b, column d
	// is W^d_ij[a][b] for pair p = (i, j).
	Kernel *Param

	maxBatch int
	block    int // pairs per SGEMM
	n        int
	pi, pj   []int32
	e        []float32 // the last Forward's input, not copied
	outer    []float32 // n × block·k²: outer products, then their gradient
	y        []float32 // n×Out
	de       []float32 // n×F×k
}

// NewOuterProduct returns the full OPNN layer with out outputs for batches of
// up to maxBatch examples of fields×dim embeddings (fields ≥ 2), the kernel
// drawn Glorot-uniform from rng.
func NewOuterProduct(name string, fields, dim, out, maxBatch int, rng *rand.Rand) *OuterProduct {
	checkPairShape("OuterProduct", fields, dim, maxBatch)
	if out < 1 {
		panic(fmt.Sprintf("nn: OuterProduct %s: out %d must be positive", name, out))
	}
	P, k2 := NumPairs(fields), dim*dim
	block := max(1, min(P, outerProductScratchFloats/(maxBatch*k2)))
	l := &OuterProduct{
		Fields: fields, Dim: dim, Out: out, maxBatch: maxBatch, block: block,
		Kernel: NewParam(name+".kernel", P, dim, dim, out),
		outer:  make([]float32, maxBatch*block*k2),
		y:      make([]float32, maxBatch*out),
		de:     make([]float32, maxBatch*fields*dim),
	}
	l.pi, l.pj = pairTable(fields)
	InitGlorot(l.Kernel.W, P*k2, out, rng)
	return l
}

// Params returns the kernel.
func (l *OuterProduct) Params() []*Param { return []*Param{l.Kernel} }

// fillOuter writes the outer products of pairs [p0, p0+nb) of every example
// into l.outer, laid out n × (nb·k²).
func (l *OuterProduct) fillOuter(p0, nb int) {
	n, F, k := l.n, l.Fields, l.Dim
	k2 := k * k
	w := nb * k2
	for b := 0; b < n; b++ {
		row := l.outer[b*w : (b+1)*w]
		for q := 0; q < nb; q++ {
			fi := l.e[(b*F+int(l.pi[p0+q]))*k:][:k]
			fj := l.e[(b*F+int(l.pj[p0+q]))*k:][:k]
			for a, va := range fi {
				dst := row[q*k2+a*k : q*k2+a*k+k]
				for c, vc := range fj {
					dst[c] = va * vc
				}
			}
		}
	}
}

// Forward returns l_p (n×Out) for the n examples of e (n×F×k).
func (l *OuterProduct) Forward(e []float32, n int) []float32 {
	F, k, D, P := l.Fields, l.Dim, l.Out, len(l.pi)
	l.e = checkInteractionInput("OuterProduct", "e", e, n, l.maxBatch, F*k)
	l.n = n
	k2 := k * k
	y := l.y[:n*D]
	if n == 0 {
		return y
	}
	for p0 := 0; p0 < P; p0 += l.block {
		nb := min(l.block, P-p0)
		l.fillOuter(p0, nb)
		beta := float32(1)
		if p0 == 0 {
			beta = 0
		}
		blas.Sgemm(false, false, n, D, nb*k2, 1, l.outer, nb*k2, l.Kernel.W[p0*k2*D:], D, beta, y, D)
	}
	return y
}

// Backward takes dL/dl_p (n×Out), accumulates the kernel's gradient and
// returns dL/de (n×F×k). Per block: dW += vec(p)ᵀ·dy, dvec(p) = dy·Wᵀ, then
// dL/df_i += dP_ij·f_j and dL/df_j += dP_ijᵀ·f_i.
func (l *OuterProduct) Backward(dy []float32) []float32 {
	n, F, k, D, P := l.n, l.Fields, l.Dim, l.Out, len(l.pi)
	dy = checkInteractionGrad("OuterProduct", dy, n*D)
	k2 := k * k
	de := l.de[:n*F*k]
	clear(de)
	if n == 0 {
		return de
	}
	for p0 := 0; p0 < P; p0 += l.block {
		nb := min(l.block, P-p0)
		w := nb * k2
		l.fillOuter(p0, nb)
		blas.Sgemm(true, false, w, D, n, 1, l.outer, w, dy, D, 1, l.Kernel.G[p0*k2*D:], D)
		blas.Sgemm(false, true, n, w, D, 1, dy, D, l.Kernel.W[p0*k2*D:], D, 0, l.outer, w)
		for b := 0; b < n; b++ {
			row := l.outer[b*w : (b+1)*w]
			for q := 0; q < nb; q++ {
				oi := (b*F + int(l.pi[p0+q])) * k
				oj := (b*F + int(l.pj[p0+q])) * k
				fi, fj := l.e[oi:oi+k], l.e[oj:oj+k]
				dfi, dfj := de[oi:oi+k], de[oj:oj+k]
				for a, va := range fi {
					g := row[q*k2+a*k : q*k2+a*k+k]
					var s float32
					for c, gc := range g {
						s += gc * fj[c]
						dfj[c] += gc * va
					}
					dfi[a] += s
				}
			}
		}
	}
	return de
}

// OuterProductReduced is OPNN in the paper's reduced, sum-first form (Qu et
// al., ICDM'16): the pairwise outer products are superposed before the
// kernel,
//
//	p = Σ_i Σ_j f_i f_jᵀ = f_Σ f_Σᵀ,  f_Σ = Σ_i f_i,
//	l_p^d = ⟨W^d, p⟩ = f_Σᵀ W^d f_Σ,
//
// with one k×k kernel W^d per output (the double sum covers all i, j, as in
// the paper). vec(p) of the whole batch times the (k²)×Out kernel is one
// SGEMM.
type OuterProductReduced struct {
	// Fields and Dim are F and k, the input's shape per example; Out is
	// D1, the number of outputs.
	Fields, Dim, Out int
	// Kernel holds W, shape (k, k, Out): row a·k+b, column d is W^d[a][b].
	Kernel *Param

	maxBatch int
	n        int
	sum      []float32 // n×k: f_Σ
	outer    []float32 // n×k²: vec(f_Σ f_Σᵀ)
	douter   []float32 // n×k²
	y        []float32 // n×Out
	de       []float32 // n×F×k
}

// NewOuterProductReduced returns the sum-first OPNN layer with out outputs
// for batches of up to maxBatch examples, the kernel drawn Glorot-uniform
// from rng.
func NewOuterProductReduced(name string, fields, dim, out, maxBatch int, rng *rand.Rand) *OuterProductReduced {
	checkInteractionShape("OuterProductReduced", fields, dim, maxBatch)
	if out < 1 {
		panic(fmt.Sprintf("nn: OuterProductReduced %s: out %d must be positive", name, out))
	}
	k2 := dim * dim
	l := &OuterProductReduced{
		Fields: fields, Dim: dim, Out: out, maxBatch: maxBatch,
		Kernel: NewParam(name+".kernel", dim, dim, out),
		sum:    make([]float32, maxBatch*dim),
		outer:  make([]float32, maxBatch*k2),
		douter: make([]float32, maxBatch*k2),
		y:      make([]float32, maxBatch*out),
		de:     make([]float32, maxBatch*fields*dim),
	}
	InitGlorot(l.Kernel.W, k2, out, rng)
	return l
}

// Params returns the kernel.
func (l *OuterProductReduced) Params() []*Param { return []*Param{l.Kernel} }

// Forward returns l_p (n×Out) for the n examples of e (n×F×k).
func (l *OuterProductReduced) Forward(e []float32, n int) []float32 {
	F, k, D := l.Fields, l.Dim, l.Out
	e = checkInteractionInput("OuterProductReduced", "e", e, n, l.maxBatch, F*k)
	l.n = n
	k2 := k * k
	sum := l.sum[:n*k]
	fieldSum(sum, e, n, F, k)
	outer := l.outer[:n*k2]
	for b := 0; b < n; b++ {
		s := sum[b*k : b*k+k]
		for a, va := range s {
			dst := outer[b*k2+a*k : b*k2+a*k+k]
			for c, vc := range s {
				dst[c] = va * vc
			}
		}
	}
	y := l.y[:n*D]
	blas.Sgemm(false, false, n, D, k2, 1, outer, k2, l.Kernel.W, D, 0, y, D)
	return y
}

// Backward takes dL/dl_p (n×Out), accumulates the kernel's gradient and
// returns dL/de (n×F×k): every field gets dL/df_Σ = (dP + dPᵀ)·f_Σ.
func (l *OuterProductReduced) Backward(dy []float32) []float32 {
	n, F, k, D := l.n, l.Fields, l.Dim, l.Out
	dy = checkInteractionGrad("OuterProductReduced", dy, n*D)
	k2 := k * k
	outer, douter := l.outer[:n*k2], l.douter[:n*k2]
	blas.Sgemm(true, false, k2, D, n, 1, outer, k2, dy, D, 1, l.Kernel.G, D)
	blas.Sgemm(false, true, n, k2, D, 1, dy, D, l.Kernel.W, D, 0, douter, k2)
	de := l.de[:n*F*k]
	for b := 0; b < n; b++ {
		s := l.sum[b*k : b*k+k]
		dp := douter[b*k2 : (b+1)*k2]
		ds := de[b*F*k : b*F*k+k] // field 0 holds dL/df_Σ, then is copied
		clear(ds)
		for a, va := range s {
			row := dp[a*k : a*k+k]
			var t float32
			for c, g := range row {
				t += g * s[c]
				ds[c] += g * va
			}
			ds[a] += t
		}
		for i := 1; i < F; i++ {
			copy(de[(b*F+i)*k:(b*F+i+1)*k], ds)
		}
	}
	return de
}

// checkPairShape panics on a pairwise layer configuration with no pairs.
func checkPairShape(layer string, fields, dim, maxBatch int) {
	checkInteractionShape(layer, fields, dim, maxBatch)
	if fields < 2 {
		panic(fmt.Sprintf("nn: %s: %d field(s) make no pairs; need at least 2", layer, fields))
	}
}
