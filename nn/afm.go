package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// AFMInteraction is the attention-based pooling of AFM (Xiao et al.,
// "Attentional Factorization Machines", IJCAI'17): over the
// P = F(F−1)/2 pair-interaction vectors v_i ⊙ v_j (i<j, PairFields order) of
// an example,
//
//	a'_ij = hᵀ ReLU(W(v_i ⊙ v_j) + b),   a_ij = softmax over the P pairs,
//	y     = pᵀ Σ_{i<j} a_ij (v_i ⊙ v_j),
//
// with W t×k, b, h ∈ R^t and p ∈ R^k. The inputs are the embeddings already
// scaled by their feature values, so v_i ⊙ v_j stands for the paper's
// (v_i ⊙ v_j)·x_i x_j. The caller adds w0 + Σ w_i x_i to y for the logit.
//
// The attention network runs on all n·P pairs of the batch as one SGEMM with
// bias and ReLU fused. With a dropout rate, training-mode Forward applies
// inverted dropout to the pair-interaction layer (the P vectors v_i ⊙ v_j),
// which feeds both the attention network and the pooling, as the paper
// places it; inference uses no dropout. L2 on the attention weights is the
// optimizer's business: AttW is the parameter to put in that group.
//
// ForwardMasked leaves padded fields out: a pair with a padded field gets
// weight exactly 0 and no share of the softmax, which runs over the
// example's other pairs, as the paper's runs over the non-zero features
// only. Without a mask (Forward) a padded field's zero embedding still
// gives its pairs a zero product whose score takes a share.
//
// The attention weights a_ij of the last Forward are readable through
// Weights and Pair, to explain a prediction.
type AFMInteraction struct {
	// Fields and Dim are F and k, the input's shape per example; AttnDim
	// is t, the attention network's hidden size.
	Fields, Dim, AttnDim int
	// AttW is W, stored k×t (In×Out: the layer computes (v_i ⊙ v_j)·AttW,
	// the paper's W(v_i ⊙ v_j) with W transposed).
	AttW *Param
	// AttB is b and AttH is h, both of length t.
	AttB, AttH *Param
	// Proj is p, of length k. It starts at ones, so that an untrained layer
	// is an attention-weighted FM.
	Proj *Param

	rate      float64
	threshold uint64 // a value is dropped when its 32 random bits are below it
	scale     float32
	src       *rand.PCG
	training  bool
	dropped   bool // whether the last Forward applied a mask

	maxBatch int
	n        int
	pi, pj   []int32
	e        []float32 // the last Forward's input, not copied
	pp       []float32 // n·P×k: pair products, after dropout
	mask     []float32 // n·P×k: 0 or 1/(1−rate); nil without dropout
	hid      []float32 // n·P×t: ReLU(pp·W + b)
	att      []float32 // n·P: attention weights a_ij
	kept     []float32 // P: one example's scores of unmasked pairs
	pooled   []float32 // n×k
	y        []float32 // n
	dpp      []float32 // n·P×k
	dhid     []float32 // n·P×t
	datt     []float32 // n·P
	dpooled  []float32 // n×k
	de       []float32 // n×F×k
}

// NewAFMInteraction returns AFM's attention pooling over fields×dim
// embeddings with an attention network of attnDim hidden units, for batches
// of up to maxBatch examples. dropout is the rate on the pair-interaction
// layer in training (0: none). W and h are drawn Glorot-uniform from rng, b
// starts at zero and p at ones; the dropout stream is seeded from rng too,
// whatever the rate, so that the initial weights do not depend on it.
func NewAFMInteraction(name string, fields, dim, attnDim, maxBatch int, dropout float64, rng *rand.Rand) *AFMInteraction {
	checkPairShape("AFMInteraction", fields, dim, maxBatch)
	if attnDim < 1 {
		panic(fmt.Sprintf("nn: AFMInteraction %s: attention size %d must be positive", name, attnDim))
	}
	if !(dropout >= 0 && dropout < 1) {
		panic(fmt.Sprintf("nn: AFMInteraction %s: dropout rate must be in [0, 1), got %g", name, dropout))
	}
	P := NumPairs(fields)
	m := maxBatch * P
	l := &AFMInteraction{
		Fields: fields, Dim: dim, AttnDim: attnDim,
		AttW:      NewParam(name+".att.w", dim, attnDim),
		AttB:      NewParam(name+".att.b", attnDim),
		AttH:      NewParam(name+".att.h", attnDim),
		Proj:      NewParam(name+".p", dim),
		rate:      dropout,
		threshold: uint64(dropout * (1 << 32)),
		scale:     float32(1 / (1 - dropout)),
		src:       &rand.PCG{},
		training:  true,
		maxBatch:  maxBatch,
		pp:        make([]float32, m*dim),
		hid:       make([]float32, m*attnDim),
		att:       make([]float32, m),
		kept:      make([]float32, P),
		pooled:    make([]float32, maxBatch*dim),
		y:         make([]float32, maxBatch),
		dpp:       make([]float32, m*dim),
		dhid:      make([]float32, m*attnDim),
		datt:      make([]float32, m),
		dpooled:   make([]float32, maxBatch*dim),
		de:        make([]float32, maxBatch*fields*dim),
	}
	if dropout > 0 {
		l.mask = make([]float32, m*dim)
	}
	l.pi, l.pj = pairTable(fields)
	InitGlorot(l.AttW.W, dim, attnDim, rng)
	InitGlorot(l.AttH.W, attnDim, 1, rng)
	for i := range l.Proj.W {
		l.Proj.W[i] = 1
	}
	l.ReseedDropout(rng.Uint64())
	return l
}

// Params returns W, b, h and p.
func (l *AFMInteraction) Params() []*Param {
	return []*Param{l.AttW, l.AttB, l.AttH, l.Proj}
}

// SetTraining turns the pair-interaction dropout on (true, the initial mode)
// or off.
func (l *AFMInteraction) SetTraining(training bool) { l.training = training }

// ReseedDropout restarts the dropout mask stream as if the layer had been
// built with seed, so that a resumed run or a gradient check can replay the
// same masks.
func (l *AFMInteraction) ReseedDropout(seed uint64) { l.src.Seed(seed, seed^0x9e3779b97f4a7c15) }

// NumPairs returns P, the number of pairs each example's weights cover.
func (l *AFMInteraction) NumPairs() int { return len(l.pi) }

// Pair returns the fields (i, j), i<j, of pair index p: column p of
// Weights is a_ij.
func (l *AFMInteraction) Pair(p int) (i, j int) { return PairFields(l.Fields, p) }

// Weights returns the attention weights a_ij of the last Forward, n×P, each
// row summing to 1 over its unmasked pairs (all 0 when every pair of the
// example is masked). The slice is the layer's, valid until the next
// Forward.
func (l *AFMInteraction) Weights() []float32 { return l.att[:l.n*len(l.pi)] }

// Forward returns y = pᵀ Σ a_ij (v_i ⊙ v_j) (n×1) for the n examples of e
// (n×F×k), which must stay unchanged until Backward.
func (l *AFMInteraction) Forward(e []float32, n int) []float32 {
	return l.ForwardMasked(e, nil, n)
}

// ForwardMasked is Forward with padded fields left out: mask is n×F, 0 at a
// padded field and 1 elsewhere (as DINAttention takes it), or nil for no
// padding. A pair with a masked field gets weight exactly 0, takes no share
// of the softmax and passes no gradient; an example whose pairs are all
// masked pools to y = 0. The mask is read only here.
func (l *AFMInteraction) ForwardMasked(e, mask []float32, n int) []float32 {
	F, k, t, P := l.Fields, l.Dim, l.AttnDim, len(l.pi)
	l.e = checkInteractionInput("AFMInteraction", "e", e, n, l.maxBatch, F*k)
	if mask != nil {
		mask = checkInteractionInput("AFMInteraction", "mask", mask, n, l.maxBatch, F)
	}
	l.n = n
	m := n * P
	pp := l.pp[:m*k]
	for b := 0; b < n; b++ {
		for p := 0; p < P; p++ {
			vi := l.e[(b*F+int(l.pi[p]))*k:][:k]
			vj := l.e[(b*F+int(l.pj[p]))*k:][:k]
			dst := pp[(b*P+p)*k:][:k]
			for c, v := range vi {
				dst[c] = v * vj[c]
			}
		}
	}
	l.dropped = l.training && l.rate > 0
	if l.dropped {
		l.fillMask(l.mask[:m*k])
		for i, s := range l.mask[:m*k] {
			pp[i] *= s
		}
	}
	y := l.y[:n]
	if n == 0 {
		return y
	}
	hid, att := l.hid[:m*t], l.att[:m]
	blas.SgemmEpilogue(false, false, m, t, k, 1, pp, k, l.AttW.W, t, 0, hid, t, blas.Epilogue{Bias: l.AttB.W, ReLU: true})
	blas.Sgemm(false, false, m, 1, t, 1, hid, t, l.AttH.W, 1, 0, att, 1)
	pooled := l.pooled[:n*k]
	for b := 0; b < n; b++ {
		ab := att[b*P : (b+1)*P]
		if mask == nil {
			softmaxInPlace(ab)
		} else {
			l.maskedSoftmax(ab, mask[b*F:(b+1)*F])
		}
		blas.Sgemm(false, false, 1, k, P, 1, ab, P, pp[b*P*k:(b+1)*P*k], k, 0, pooled[b*k:(b+1)*k], k)
	}
	blas.Sgemm(false, false, n, 1, k, 1, pooled, k, l.Proj.W, 1, 0, y, 1)
	return y
}

// maskedSoftmax replaces one example's pair scores ab with their softmax
// over the pairs whose fields are both unmasked in fmask (one value per
// field), and the other pairs' with 0.
func (l *AFMInteraction) maskedSoftmax(ab, fmask []float32) {
	kept := l.kept[:0]
	for p, s := range ab {
		if fmask[l.pi[p]] != 0 && fmask[l.pj[p]] != 0 {
			kept = append(kept, s)
		}
	}
	if len(kept) == len(ab) {
		softmaxInPlace(ab)
		return
	}
	softmaxInPlace(kept)
	q := 0
	for p := range ab {
		if fmask[l.pi[p]] != 0 && fmask[l.pj[p]] != 0 {
			ab[p] = kept[q]
			q++
		} else {
			ab[p] = 0
		}
	}
}

// fillMask draws an inverted-dropout mask: 0 with probability rate, else
// 1/(1−rate). Each 64-bit draw serves two values.
func (l *AFMInteraction) fillMask(mask []float32) {
	for i := 0; i < len(mask); i += 2 {
		r := l.src.Uint64()
		mask[i] = l.keep(r >> 32)
		if i+1 < len(mask) {
			mask[i+1] = l.keep(r & 0xffffffff)
		}
	}
}

// keep maps 32 random bits to a mask value.
func (l *AFMInteraction) keep(bits uint64) float32 {
	if bits < l.threshold {
		return 0
	}
	return l.scale
}

// Backward takes dL/dy (n×1), accumulates the gradients of W, b, h and p,
// and returns dL/de (n×F×k). The pair products get gradient from both the
// pooling and the attention network; the softmax backward is
// ds = a ⊙ (da − ⟨a, da⟩) per example, which is 0 at a masked pair
// (a = 0), so that masked pairs pass no gradient.
func (l *AFMInteraction) Backward(dy []float32) []float32 {
	n, F, k, t, P := l.n, l.Fields, l.Dim, l.AttnDim, len(l.pi)
	dy = checkInteractionGrad("AFMInteraction", dy, n)
	de := l.de[:n*F*k]
	clear(de)
	if n == 0 {
		return de
	}
	m := n * P
	pp, hid, att := l.pp[:m*k], l.hid[:m*t], l.att[:m]
	pooled, dpooled := l.pooled[:n*k], l.dpooled[:n*k]
	dpp, dhid, datt := l.dpp[:m*k], l.dhid[:m*t], l.datt[:m]

	blas.Sgemm(true, false, k, 1, n, 1, pooled, k, dy, 1, 1, l.Proj.G, 1)
	for b := 0; b < n; b++ {
		dpb := dpooled[b*k : (b+1)*k]
		for c, v := range l.Proj.W {
			dpb[c] = dy[b] * v
		}
		ab, dab := att[b*P:(b+1)*P], datt[b*P:(b+1)*P]
		ppb := pp[b*P*k : (b+1)*P*k]
		// Value path: dL/dpp_ij = a_ij·dL/dpooled; weight path:
		// dL/da_ij = ⟨dL/dpooled, pp_ij⟩.
		blas.Sgemm(false, true, 1, P, k, 1, dpb, k, ppb, k, 0, dab, P)
		for p, a := range ab {
			dst := dpp[(b*P+p)*k:][:k]
			for c, g := range dpb {
				dst[c] = a * g
			}
		}
		var s float32
		for p, a := range ab {
			s += a * dab[p]
		}
		for p, a := range ab {
			dab[p] = a * (dab[p] - s)
		}
	}
	blas.Sgemm(true, false, t, 1, m, 1, hid, t, datt, 1, 1, l.AttH.G, 1)
	for r := 0; r < m; r++ {
		g := datt[r]
		hr, dr := hid[r*t:(r+1)*t], dhid[r*t:(r+1)*t]
		for c, h := range l.AttH.W {
			if hr[c] > 0 {
				dr[c] = g * h
			} else {
				dr[c] = 0
			}
		}
	}
	blas.Sgemm(true, false, k, t, m, 1, pp, k, dhid, t, 1, l.AttW.G, t)
	blas.BiasGrad(l.AttB.G, dhid, m, t)
	blas.Sgemm(false, true, m, k, t, 1, dhid, t, l.AttW.W, t, 1, dpp, k)
	if l.dropped {
		for i, s := range l.mask[:m*k] {
			dpp[i] *= s
		}
	}
	for b := 0; b < n; b++ {
		for p := 0; p < P; p++ {
			oi, oj := (b*F+int(l.pi[p]))*k, (b*F+int(l.pj[p]))*k
			vi, vj := l.e[oi:oi+k], l.e[oj:oj+k]
			di, dj := de[oi:oi+k], de[oj:oj+k]
			g := dpp[(b*P+p)*k:][:k]
			for c, v := range g {
				di[c] += v * vj[c]
				dj[c] += v * vi[c]
			}
		}
	}
	return de
}
