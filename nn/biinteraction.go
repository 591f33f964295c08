package nn

// BiInteraction is NFM's Bi-Interaction pooling (He & Chua, SIGIR'17):
// the element-wise sum of all pairwise products of the F field embeddings,
//
//	f_BI = Σ_{i<j} v_i ⊙ v_j = ½[(Σ_i v_i)² − Σ_i v_i²]   (squares element-wise)
//
// computed in O(F·k) through the right-hand form. Its k entries summed give
// the FM pairwise term. As for FMInteraction, the inputs are the embeddings
// already scaled by their feature values, and zero (padding) slots add
// nothing.
type BiInteraction struct {
	// Fields and Dim are F and k, the input's shape per example.
	Fields, Dim int

	maxBatch int
	n        int
	e        []float32 // the last Forward's input, not copied
	sum      []float32 // n×k: Σ_i v_i
	y        []float32 // n×k
	de       []float32 // n×F×k
}

// NewBiInteraction returns Bi-Interaction pooling for batches of up to
// maxBatch examples of fields×dim embeddings.
func NewBiInteraction(fields, dim, maxBatch int) *BiInteraction {
	checkInteractionShape("BiInteraction", fields, dim, maxBatch)
	return &BiInteraction{
		Fields: fields, Dim: dim, maxBatch: maxBatch,
		sum: make([]float32, maxBatch*dim),
		y:   make([]float32, maxBatch*dim),
		de:  make([]float32, maxBatch*fields*dim),
	}
}

// Params returns nil: the pooling has no parameters.
func (l *BiInteraction) Params() []*Param { return nil }

// Forward pools the n examples of e (n×F×k) and returns f_BI (n×k).
func (l *BiInteraction) Forward(e []float32, n int) []float32 {
	F, k := l.Fields, l.Dim
	l.e = checkInteractionInput("BiInteraction", "e", e, n, l.maxBatch, F*k)
	l.n = n
	sum := l.sum[:n*k]
	fieldSum(sum, l.e, n, F, k)
	y := l.y[:n*k]
	for b := 0; b < n; b++ {
		yb := y[b*k : b*k+k]
		for c, v := range sum[b*k : b*k+k] {
			yb[c] = v * v
		}
		for i := 0; i < F; i++ {
			o := (b*F + i) * k
			for c, v := range l.e[o : o+k] {
				yb[c] -= v * v
			}
		}
		for c := range yb {
			yb[c] *= 0.5
		}
	}
	return y
}

// Backward takes dL/df_BI (n×k) and returns dL/de (n×F×k):
// ∂f_BI,c/∂v_ic = (Σ_j v_jc) − v_ic.
func (l *BiInteraction) Backward(dy []float32) []float32 {
	n, F, k := l.n, l.Fields, l.Dim
	dy = checkInteractionGrad("BiInteraction", dy, n*k)
	de := l.de[:n*F*k]
	for b := 0; b < n; b++ {
		g := dy[b*k : b*k+k]
		s := l.sum[b*k : b*k+k]
		for i := 0; i < F; i++ {
			o := (b*F + i) * k
			v := l.e[o : o+k]
			d := de[o : o+k]
			for c, sv := range s {
				d[c] = g[c] * (sv - v[c])
			}
		}
	}
	return de
}
