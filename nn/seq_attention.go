package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// SeqAttention is DIEN's interest-evolving attention: for hidden states h_t
// (from the interest extractor GRU) and the candidate ad's embedding e_A,
//
//	a_t = exp(h_tᵀ W e_A) / Σ_{s<len} exp(h_sᵀ W e_A)
//
// a softmax over the valid steps of each row, the paper's form. Padded steps
// get weight exactly 0 and no gradient, and their h is never read. A row of
// length 0 gets all-zero weights, so the AUGRU it feeds keeps a zero state
// (there is no step to distribute mass over, and a uniform spread would
// invent one).
type SeqAttention struct {
	// Hidden is the width of h_t, AttDim the width of e_A.
	Hidden, AttDim int
	// W is the bilinear weight, Hidden×AttDim.
	W *Param

	who              string
	maxBatch, maxLen int

	ready    bool
	n, steps int
	lens     []int32
	h, e     []float32
	q        []float32 // n×Hidden: W e_A per row, so a score is one dot product
	a        []float32 // n×steps weights
	dh       []float32
	dq       []float32
	de       []float32
}

// NewSeqAttention returns the attention for batches of up to maxBatch rows of
// up to maxLen steps, with W drawn from the Glorot uniform distribution.
func NewSeqAttention(name string, hidden, attDim, maxBatch, maxLen int, rng *rand.Rand) *SeqAttention {
	if hidden < 1 || attDim < 1 || maxBatch < 1 || maxLen < 1 {
		panic(fmt.Sprintf("nn: SeqAttention %s: sizes must be positive, got hidden %d, attDim %d, maxBatch %d, maxLen %d", name, hidden, attDim, maxBatch, maxLen))
	}
	s := &SeqAttention{
		Hidden: hidden, AttDim: attDim,
		W:        NewParam(name+".w", hidden, attDim),
		who:      "SeqAttention " + name,
		maxBatch: maxBatch, maxLen: maxLen,
		q:  make([]float32, maxBatch*hidden),
		a:  make([]float32, maxBatch*maxLen),
		dh: make([]float32, maxBatch*maxLen*hidden),
		dq: make([]float32, maxBatch*hidden),
		de: make([]float32, maxBatch*attDim),
	}
	InitGlorot(s.W.W, attDim, hidden, rng)
	return s
}

// Params returns the layer's trainable parameters.
func (s *SeqAttention) Params() []*Param { return []*Param{s.W} }

// Forward computes the weights (n×steps) for hidden states h (n×steps×Hidden),
// target embeddings e (n×AttDim) and lengths lens. h, e and lens are kept, not
// copied, for Backward.
func (s *SeqAttention) Forward(h, e []float32, n, steps int, lens []int32) []float32 {
	checkSeqBatch(s.who, n, steps, s.maxBatch, s.maxLen)
	checkSeqLens(s.who, lens, n, steps)
	H, dA := s.Hidden, s.AttDim
	checkSeqSlice(s.who, "h", h, n*steps*H)
	checkSeqSlice(s.who, "e", e, n*dA)
	s.ready, s.n, s.steps, s.lens, s.h, s.e = true, n, steps, lens[:n], h[:n*steps*H], e[:n*dA]
	q := s.q[:n*H]
	blas.Sgemm(false, true, n, H, dA, 1, e, dA, s.W.W, dA, 0, q, H)
	for i, l := range s.lens {
		row := s.a[i*steps : i*steps+steps]
		clear(row[l:])
		if l == 0 {
			continue
		}
		qi := q[i*H : i*H+H]
		w := row[:l]
		for t := range w {
			w[t] = blas.Dot(h[(i*steps+t)*H:][:H], qi)
		}
		softmaxInPlace(w)
	}
	return s.a[:n*steps]
}

// Backward takes dL/da (n×steps; padded entries are ignored), accumulates
// dL/dW and returns dL/dh (n×steps×Hidden, exactly zero at padding) and
// dL/de (n×AttDim).
func (s *SeqAttention) Backward(da []float32) (dh, de []float32) {
	if !s.ready {
		panic(fmt.Sprintf("nn: %s: Backward before Forward", s.who))
	}
	n, steps, H, dA := s.n, s.steps, s.Hidden, s.AttDim
	checkSeqSlice(s.who, "weight gradient", da, n*steps)
	dh = s.dh[:n*steps*H]
	dq := s.dq[:n*H]
	clear(dq)
	for i, l := range s.lens {
		clear(dh[(i*steps+int(l))*H : (i*steps+steps)*H])
		if l == 0 {
			continue
		}
		w := s.a[i*steps : i*steps+int(l)]
		g := da[i*steps : i*steps+int(l)]
		// Softmax Jacobian: ds_t = a_t·(g_t − Σ_u a_u·g_u).
		mean := blas.Dot(w, g)
		qi := s.q[i*H : i*H+H]
		dqi := dq[i*H : i*H+H]
		for t, wt := range w {
			ds := wt * (g[t] - mean)
			off := (i*steps + t) * H
			dht := dh[off : off+H]
			for j, v := range qi {
				dht[j] = ds * v
			}
			blas.Axpy(ds, s.h[off:off+H], dqi)
		}
	}
	blas.Sgemm(true, false, H, dA, n, 1, dq, H, s.e, dA, 1, s.W.G, dA)
	de = s.de[:n*dA]
	blas.Sgemm(false, false, n, dA, H, 1, dq, H, s.W.W, dA, 0, de, dA)
	return dh, de
}
