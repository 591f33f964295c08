package model

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// linear is the first-order term w0 + Σ_f w[id_f]·x_f shared by LR, FM and
// the models that keep FM's linear part (DeepFM, NFM, AFM, Wide&Deep).
// x_f is 1 for a categorical field and the normalized value for a numeric
// one; a padded id contributes nothing.
type linear struct {
	w    *nn.Table
	bias *nn.Param
	emb  *nn.FieldEmbedding
	out  []float32
	dw   []float32
	f    int
}

// newLinear builds the term over the layout's slots; weights start at zero,
// as LR and FM conventionally do.
func newLinear(env Env) *linear {
	l, maxBatch := env.Layout, env.MaxBatch
	w := env.table("linear.w", l.Rows, 1, true)
	f := len(l.Slots)
	return &linear{
		w: w, bias: nn.NewParam("linear.bias", 1), emb: nn.NewFieldEmbedding(w, f, maxBatch),
		out: make([]float32, maxBatch), dw: make([]float32, maxBatch*f), f: f,
	}
}

// forward returns the n first-order terms of b.
func (t *linear) forward(b *Batch) []float32 {
	e := t.emb.Forward(b.IDs, b.Values, b.N)
	out := t.out[:b.N]
	w0 := t.bias.W[0]
	for i := range out {
		z := w0
		for _, v := range e[i*t.f : (i+1)*t.f] {
			z += v
		}
		out[i] = z
	}
	return out
}

// backward accumulates the gradients given dL/d(term) per row.
func (t *linear) backward(dout []float32) {
	dw := t.dw[:len(dout)*t.f]
	var db float32
	for i, g := range dout {
		row := dw[i*t.f : (i+1)*t.f]
		for j := range row {
			row[j] = g
		}
		db += g
	}
	t.bias.G[0] += db
	t.emb.Backward(dw)
}

// tableL2 is the per-batch L2 regularization of a table: λ on every row a
// batch touches (none when λ is 0).
func tableL2(lambda float64) optim.TableReg {
	if lambda == 0 {
		return optim.TableReg{}
	}
	return optim.TableReg{Kind: optim.RegBatch, L2: float32(lambda)}
}
