package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// AttentionVariant selects how an AUGRU uses its per-step attention score a_t
// (DIEN's interest-evolving layer and the alternatives the paper compares).
type AttentionVariant int

const (
	// VariantAUGRU scales the update gate: ũ_t = a_t·u_t and
	// h_t = (1 − ũ_t) ⊙ h_{t−1} + ũ_t ⊙ h̃_t. The paper's choice: a weak
	// step barely moves the state, yet every dimension keeps its own gate.
	VariantAUGRU AttentionVariant = iota
	// VariantAIGRU scales the input, x'_t = a_t·x_t, and runs a plain GRU.
	VariantAIGRU
	// VariantAGRU replaces the update gate by the score:
	// h_t = (1 − a_t)·h_{t−1} + a_t·h̃_t. The update-gate columns of Wx, U
	// and B are then unused and get zero gradients.
	VariantAGRU
)

// String names the variant as configuration files spell it.
func (v AttentionVariant) String() string {
	switch v {
	case VariantAUGRU:
		return "augru"
	case VariantAIGRU:
		return "aigru"
	case VariantAGRU:
		return "agru"
	}
	return fmt.Sprintf("AttentionVariant(%d)", int(v))
}

// AUGRU is a GRU whose steps are weighted by attention scores, the interest
// evolving layer of DIEN (Zhou et al., AAAI'19). Scores are n×L, one per row
// and step; scores at padded steps are never read. The recurrence, padding
// rules and parameters are those of its Cell.
type AUGRU struct {
	// Variant says how the scores enter the recurrence.
	Variant AttentionVariant
	// Cell is the underlying GRU; its parameters are the layer's.
	Cell *GRU

	x, att []float32
	xs     []float32 // AIGRU's scaled inputs, zero at padding
	datt   []float32
}

// NewAUGRU returns an attention GRU of the given variant for batches of up
// to maxBatch rows of up to maxLen steps, initialised as NewGRU.
func NewAUGRU(name string, variant AttentionVariant, in, hidden, maxBatch, maxLen int, rng *rand.Rand) *AUGRU {
	if variant < VariantAUGRU || variant > VariantAGRU {
		panic(fmt.Sprintf("nn: AUGRU %s: unknown variant %d", name, int(variant)))
	}
	a := &AUGRU{
		Variant: variant,
		Cell:    NewGRU(name, in, hidden, maxBatch, maxLen, rng),
		datt:    make([]float32, maxBatch*maxLen),
	}
	a.Cell.who = variant.String() + " " + name
	if variant == VariantAIGRU {
		a.xs = make([]float32, maxBatch*maxLen*in)
	}
	return a
}

// Params returns the layer's trainable parameters.
func (a *AUGRU) Params() []*Param { return a.Cell.Params() }

// Forward runs the layer over n rows of x (n×steps×In) with attention scores
// att (n×steps) and lengths lens, and returns every step's hidden state
// (n×steps×Hidden, zero at padding) and each row's final state (n×Hidden,
// zero for an empty row). x, att and lens are kept, not copied, for Backward.
func (a *AUGRU) Forward(x, att []float32, n, steps int, lens []int32) (hs, last []float32) {
	c := a.Cell
	switch a.Variant {
	case VariantAUGRU:
		c.forward(x, att, n, steps, lens, gateScaled)
	case VariantAGRU:
		c.forward(x, att, n, steps, lens, gateReplace)
	case VariantAIGRU:
		checkSeqBatch(c.who, n, steps, c.maxBatch, c.maxLen)
		checkSeqLens(c.who, lens, n, steps)
		checkSeqSlice(c.who, "x", x, n*steps*c.In)
		checkSeqSlice(c.who, "attention", att, n*steps)
		d := c.In
		for i, l := range lens[:n] {
			for t := 0; t < int(l); t++ {
				idx := i*steps + t
				s := att[idx]
				dst, src := a.xs[idx*d:idx*d+d], x[idx*d:idx*d+d]
				for k, v := range src {
					dst[k] = s * v
				}
			}
			clear(a.xs[(i*steps+int(l))*d : (i*steps+steps)*d])
		}
		c.forward(a.xs, nil, n, steps, lens, gatePlain)
	}
	a.x, a.att = x, att
	return c.out[:n*steps*c.Hidden], c.last[:n*c.Hidden]
}

// Backward takes the gradients of the loss with respect to Forward's two
// outputs (either may be nil, meaning zero), accumulates the parameter
// gradients, and returns dL/dx (n×steps×In) and dL/datt (n×steps), both
// exactly zero at padding.
func (a *AUGRU) Backward(dhs, dlast []float32) (dx, datt []float32) {
	c := a.Cell
	if !c.ready {
		panic(fmt.Sprintf("nn: %s: Backward before Forward", c.who))
	}
	n, steps := c.n, c.steps
	datt = a.datt[:n*steps]
	if a.Variant != VariantAIGRU {
		return c.backward(dhs, dlast, datt), datt
	}
	// x' = a·x: dL/da = ⟨x, dL/dx'⟩ and dL/dx = a·dL/dx', in place. The
	// cell's input gradient is already exactly zero at padding.
	dx = c.backward(dhs, dlast, nil)
	d := c.In
	for i, l := range c.lens {
		for t := 0; t < int(l); t++ {
			idx := i*steps + t
			g := dx[idx*d : idx*d+d]
			datt[idx] = blas.Dot(a.x[idx*d:idx*d+d], g)
			s := a.att[idx]
			for k := range g {
				g[k] *= s
			}
		}
		clear(datt[i*steps+int(l) : i*steps+steps])
	}
	return dx, datt
}
