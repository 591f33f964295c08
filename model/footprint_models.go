package model

import (
	"math"

	"github.com/recforge/recforge/nn"
)

// The models' footprints (Info.Footprint), each mirroring its constructor.

func footprintLR(env Env, _ any) Footprint {
	var a acc
	a.linear(env.Layout, pos(env.MaxBatch))
	return a.Footprint
}

// fmInteraction is nn.NewFMInteraction.
func (a *acc) fmInteraction(F, k, B float64) { a.f32(B*k + B + B*F*k + F*k) }

func footprintFM(env Env, c any) Footprint {
	cfg := c.(*FMConfig)
	var a acc
	B, F := pos(env.MaxBatch), float64(len(env.Layout.Slots))
	if k := a.fmBase(env, cfg.EmbeddingDim); k > 0 {
		a.fmInteraction(F, k, B)
	}
	return a.Footprint
}

func footprintDeepFM(env Env, c any) Footprint {
	cfg := c.(*DeepFMConfig)
	var a acc
	B, F := pos(env.MaxBatch), float64(len(env.Layout.Slots))
	k := a.fmBase(env, cfg.EmbeddingDim)
	w := a.denseTower(F*k, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, B)
	a.fmInteraction(F, k, B)
	a.dense(w, 1, B)
	a.f32(B) // dtmp
	return a.Footprint
}

func footprintNFM(env Env, c any) Footprint {
	cfg := c.(*NFMConfig)
	var a acc
	B, F := pos(env.MaxBatch), float64(len(env.Layout.Slots))
	k := a.fmBase(env, cfg.EmbeddingDim)
	a.f32(2*B*k + B*F*k) // the Bi-Interaction
	a.f32(2 * B)
	a.layerTail(k, cfg.BatchNorm, nn.ActNone, cfg.DropoutBI, B)
	w := a.denseTower(k, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.DropoutHidden, B)
	a.param(w)
	a.f32(B * w)
	return a.Footprint
}

func footprintAFM(env Env, c any) Footprint {
	cfg := c.(*AFMConfig)
	var a acc
	B, F := pos(env.MaxBatch), float64(len(env.Layout.Slots))
	k := a.fmBase(env, cfg.EmbeddingDim)
	// nn.NewAFMInteraction over P pairs.
	P, at := pairs(F), pos(cfg.AttentionDim)
	m := B * P
	a.param(k*at + 2*at + k)
	a.f32(2*m*k + 2*m*at + 2*m + P + 2*B*k + B + B*F*k)
	if cfg.Dropout > 0 {
		a.f32(m * k)
	}
	a.i32(2 * P)
	a.f32(B * F)
	return a.Footprint
}

func footprintFNN(env Env, c any) Footprint {
	cfg := c.(*FNNConfig)
	var a acc
	l, B := env.Layout, pos(env.MaxBatch)
	dim, err := l.Dim(cfg.EmbeddingDim)
	if err != nil {
		return a.Footprint
	}
	F, k := float64(len(l.Slots)), pos(dim)
	a.table(pos(l.Rows), k+1, B*F)
	a.fieldEmbedding(F, k+1, B)
	a.param(1)
	in := 1 + F*(k+1)
	w := a.denseTower(in, cfg.Hidden, nn.ActTanh, false, cfg.Dropout, B)
	a.dense(w, 1, B)
	a.f32(B*in + B*F*(k+1))
	if cfg.Pretrain {
		pre := footprintFM(env, &FMConfig{EmbeddingDim: dim})
		a.Pretrain = &pre
	}
	return a.Footprint
}

func footprintWideDeep(env Env, c any) Footprint {
	cfg := c.(*WideDeepConfig)
	l, B := env.Layout, pos(env.MaxBatch)
	var wide, deep acc
	wide.linear(l, B)
	if crosses, err := resolveCrosses(l, cfg.Crosses); err == nil && len(crosses) > 0 {
		if (math.MaxInt32-1)/len(crosses) < cfg.CrossBuckets {
			return Footprint{} // NewWideDeep refuses it, saying why
		}
		X := float64(len(crosses))
		wide.table(1+X*pos(cfg.CrossBuckets), 1, B*X)
		wide.fieldEmbedding(X, 1, B)
		wide.i32(B * X)
		wide.f32(B * X)
	}
	width := deep.stackedInput(l, cfg.EmbeddingDim, B)
	H := deep.denseTower(width, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, B)
	deep.param(H)
	deep.f32(B + B*H)
	wo, do := wideDeepWideOptimizer, wideDeepDeepOptimizer
	f := wide.Footprint
	f.Params += deep.Params
	f.TableWeights += deep.TableWeights
	f.TableRows += deep.TableRows
	f.Buffers += deep.Buffers
	f.WorkBytes += deep.WorkBytes
	f.GradBytes += deep.GradBytes
	f.Parts = []PartFootprint{
		{Name: "wide", Params: wide.Params, TableWeights: wide.TableWeights, Optimizer: &wo},
		{Name: "deep", Params: deep.Params, TableWeights: deep.TableWeights, Optimizer: &do},
	}
	return f
}

func footprintDCN(env Env, c any) Footprint {
	cfg := c.(*DCNConfig)
	var a acc
	B := pos(env.MaxBatch)
	d := a.stackedInput(env.Layout, cfg.EmbeddingDim, B)
	// nn.NewCross.
	L, m := pos(cfg.CrossLayers), B*d
	a.param(L * d)
	a.f32(m + B) // dx0, proj
	if cfg.Cross == "v2" {
		a.param(L * d * d)
		a.f32(2*L*m + 2*m) // xs, z, g, dz
	} else {
		a.param(L * d)
		a.f32(m + 2*B*L + B + L*d + d + 4*L) // out, alpha, p, pv, bsum, gsum; q, ds, dsum (float64)
	}
	H := a.denseTower(d, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, B)
	a.param(d + H + 1) // the output layer's weights
	a.f32(B + B*H)     // logit, dh
	return a.Footprint
}

func footprintDeepCrossing(env Env, c any) Footprint {
	cfg := c.(*DeepCrossingConfig)
	var a acc
	B := pos(env.MaxBatch)
	w := a.stackedInput(env.Layout, cfg.EmbeddingDim, B)
	// Residual units, all alike: counted once and multiplied, not looped
	// over (the count comes from the configuration).
	var u acc
	h := pos(cfg.ResidualHidden)
	u.dense(w, h, B)
	u.dense(h, w, B)
	u.f32(3 * B * w)
	n := pos(cfg.ResidualUnits)
	a.Params += n * u.Params
	a.WorkBytes += n * u.WorkBytes
	a.dense(w, 1, B)
	return a.Footprint
}

// outerProductScratchFloats is nn's bound on the full OPNN layer's scratch
// (nn/product.go).
const outerProductScratchFloats = 1 << 20

func footprintPNN(product PNNProduct) func(Env, any) Footprint {
	return func(env Env, c any) Footprint {
		cfg := c.(*PNNConfig)
		var a acc
		l, B := env.Layout, pos(env.MaxBatch)
		dim, err := l.Dim(cfg.EmbeddingDim)
		if err != nil || len(cfg.Hidden) == 0 {
			return a.Footprint
		}
		F, k, d1 := float64(len(l.Slots)), pos(dim), pos(cfg.Hidden[0])
		a.table(pos(l.Rows), k, B*F)
		a.fieldEmbedding(F, k, B)
		inner := product == PNNInner || product == PNNBoth
		outer := product == PNNOuter || product == PNNBoth
		full := cfg.Mode == "full"
		P, k2, nk := pairs(F), k*k, B*k
		lzIn := F * k
		switch {
		case inner && full: // nn.NewInnerProduct
			a.f32(F*F + B*P + B*F*k)
			a.i32(2 * P)
			lzIn += P
			a.f32(B*lzIn + B*P)
		case inner: // nn.NewInnerProductReduced
			a.param(d1 * F)
			a.f32(2*F*nk + 2*d1*nk + B*d1 + B*F*k)
		}
		switch {
		case outer && full: // nn.NewOuterProduct
			block := max(1, min(P, math.Floor(outerProductScratchFloats/(B*k2))))
			a.param(P * k2 * d1)
			a.f32(B*block*k2 + B*d1 + B*F*k)
			a.i32(2 * P)
		case outer: // nn.NewOuterProductReduced
			a.param(k2 * d1)
			a.f32(B*k + 2*B*k2 + B*d1 + B*F*k)
		}
		a.dense(lzIn, d1, B)
		a.layerTail(d1, cfg.BatchNorm, nn.ActReLU, cfg.Dropout, B)
		w := a.denseTower(d1, cfg.Hidden[1:], nn.ActReLU, cfg.BatchNorm, cfg.Dropout, B)
		a.dense(w, 1, B)
		a.f32(3*B*d1 + B*F*k)
		return a.Footprint
	}
}

// seqMLP is SeqConfig.newMLP over in inputs.
func (a *acc) seqMLP(cfg SeqConfig, in, B float64) {
	fused, learned, _ := mlpActivation("activation", cfg.Activation)
	a.mlp(nn.MLPConfig{Hidden: cfg.Hidden, Activation: fused, Learned: learned, Out: 1}, in, B)
}

func footprintSeqBase(env Env, c any) Footprint {
	cfg := c.(*SeqBaseConfig)
	var a acc
	B := pos(env.MaxBatch)
	groups, k := a.seqInputs(env, cfg.SeqConfig)
	xw := float64(len(env.Layout.Slots)) * k
	for _, g := range groups {
		xw += pos(g.width)
	}
	a.seqMLP(cfg.SeqConfig, xw, B)
	a.f32(B * xw)
	return a.Footprint
}

func footprintDIN(env Env, c any) Footprint {
	cfg := c.(*DINConfig)
	var a acc
	B := pos(env.MaxBatch)
	groups, k := a.seqInputs(env, cfg.SeqConfig)
	fused, learned := nn.ActNone, nn.LearnedDice
	switch cfg.AttentionActivation {
	case "prelu":
		learned = nn.LearnedPReLU
	case "relu":
		fused, learned = nn.ActReLU, nn.NoLearnedActivation
	case "sigmoid":
		fused, learned = nn.ActSigmoid, nn.NoLearnedActivation
	}
	xw := float64(len(env.Layout.Slots)) * k
	for _, g := range groups {
		// nn.NewDINAttention: its unit MLP scores B·L rows at once.
		d, rows := pos(g.width), B*pos(g.steps)
		a.mlp(nn.MLPConfig{Hidden: cfg.AttentionHidden, Activation: fused, Learned: learned, Out: 1}, 4*d, rows)
		a.i32(rows)
		a.f32(rows*4*d + 3*rows + 2*B*d + rows*d)
		xw += d
	}
	a.seqMLP(cfg.SeqConfig, xw, B)
	a.f32(B*xw + B*pos(env.Layout.SeqLen))
	return a.Footprint
}

func footprintDIEN(env Env, c any) Footprint {
	cfg := c.(*DIENConfig)
	var a acc
	B := pos(env.MaxBatch)
	groups, k := a.seqInputs(env, cfg.SeqConfig)
	xw := float64(len(env.Layout.Slots)) * k
	for _, g := range groups {
		D, L, H := pos(g.width), pos(g.steps), pos(cfg.GRUHidden)
		if cfg.GRUHidden == 0 {
			H = D
		}
		a.gru(D, H, B, L)
		// nn.NewSeqAttention.
		a.param(H * D)
		a.f32(2*B*H + B*L + B*L*H + B*D)
		// nn.NewAUGRU.
		a.gru(H, H, B, L)
		a.f32(B * L)
		if cfg.Variant == "aigru" {
			a.f32(B * L * H)
		}
		// The auxiliary loss's buffers.
		a.i32(2*B*L + 3*B)
		a.f32(2*B*L + B*H + 2*B*L*D + 2*B*L*H)
		xw += H
	}
	a.seqMLP(cfg.SeqConfig, xw, B)
	a.f32(B*xw + B*pos(env.Layout.SeqLen))
	return a.Footprint
}
