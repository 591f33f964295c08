package model

import (
	"fmt"
	"slices"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// NeuMF is NCF's neural matrix factorization (He et al., WWW'17): a GMF
// branch and an MLP branch, each with its own user and item embeddings,
// joined by one output layer:
//
//	logit = hᵀ [φ_GMF; φ_MLP] + b
//
// With pretrain (the default, the paper's procedure) it is trained in two
// stages (Pretrainer): a GMF ("gmf") and an MLP ("mlp") of the same sizes
// are fitted first, then the NeuMF starts from both — their embeddings and
// tower copied, h = [α·h_GMF; (1−α)·h_MLP] and b = α·b_GMF + (1−α)·b_MLP, so
// that its first logit is exactly the α-weighted sum of the two models'
// logits — and is fine-tuned with its part's default optimizer, finetune
// (plain SGD at 0.001, NCF's). The stages are built with the NeuMF's own
// seed: they are the very GMF and MLP that `gmf` and `mlp` train with that
// seed. Without pretrain it trains from scratch with the training
// configuration's optimizer.
//
// Options and defaults: factors 8 (the GMF branch's width; the MLP tower's
// last width when layers is empty); layers, the MLP tower input first
// (empty: 8F, 4F, 2F, F); init_std 0.01; l2 0 (per-batch L2 on the touched
// embedding rows); pretrain true; alpha 0.5; finetune {rule: sgd, lr:
// 0.001}. It reads a (user, item) layout (see useritem.go).
type NeuMF struct {
	cfg  NeuMFConfig
	env  Env
	pair userItem
	gmf  gmfPart
	mlp  mlpPart
	// Out is the output layer over [φ_GMF; φ_MLP]: its first Factors
	// weights are h's GMF half.
	Out *nn.Dense

	users, items []int32
	cat          []float32 // [φ_GMF; φ_MLP] per pair
	dtower       []float32 // dL/dφ_MLP, contiguous for the tower's backward pass
	w            []float32 // ScoreItems' h_GMF ⊙ p_u
}

// NeuMFConfig holds NeuMF's hyper-parameters.
type NeuMFConfig struct {
	// Factors is the GMF branch's width, and the MLP tower's last width
	// when Layers is empty.
	Factors int `json:"factors"`
	// Layers are the MLP tower's widths, input first; empty: 8F, 4F, 2F, F.
	Layers []int `json:"layers"`
	// InitStd is the standard deviation of the embeddings' initial values.
	InitStd float64 `json:"init_std"`
	// L2 is the per-batch L2 penalty on the touched embedding rows (of the
	// stages too).
	L2 float64 `json:"l2"`
	// Pretrain fits a GMF and an MLP first and starts from them.
	Pretrain bool `json:"pretrain"`
	// Alpha weighs the pretrained GMF's output layer against the MLP's.
	Alpha float64 `json:"alpha"`
	// Finetune is the optimizer of the training after pretraining: the
	// model's part default, which the configuration's parts.all overrides.
	Finetune optim.Spec `json:"finetune"`
}

func init() {
	Register(Info{
		Name:     "neumf",
		Task:     TaskRanking,
		Summary:  "NeuMF: logit = hᵀ[p_u ⊙ q_i; MLP(p'_u, q'_i)] + b, pretrained from a GMF and an MLP, fine-tuned with SGD",
		Citation: "He, Liao, Zhang, Nie, Hu, Chua, Neural Collaborative Filtering, WWW 2017",
		Config: func() any {
			return &NeuMFConfig{Factors: 8, InitStd: 0.01, Pretrain: true, Alpha: 0.5, Finetune: optim.Spec{Rule: "sgd", LR: 0.001}}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewNeuMF(env, *cfg.(*NeuMFConfig))
		},
		Footprint: footprintNeuMF,
	})
}

// NewNeuMF builds a NeuMF: the GMF embeddings, then the MLP embeddings from
// N(0, InitStd²), then the tower and h from the Glorot uniform
// distribution, zero biases. Pretraining replaces them all.
func NewNeuMF(env Env, cfg NeuMFConfig) (*NeuMF, error) {
	pair, err := newUserItem(env.Layout)
	if err != nil {
		return nil, err
	}
	if err := checkFactors(cfg.Factors, cfg.InitStd, cfg.L2); err != nil {
		return nil, err
	}
	layers := ncfLayers(cfg.Layers, cfg.Factors)
	if err := checkTower(layers); err != nil {
		return nil, err
	}
	if cfg.Pretrain {
		if !(cfg.Alpha >= 0 && cfg.Alpha <= 1) {
			return nil, fmt.Errorf("alpha = %v, want a weight in [0, 1]", cfg.Alpha)
		}
		if _, err := cfg.Finetune.NewRule(); err != nil {
			return nil, fmt.Errorf("finetune: %w", err)
		}
	}
	cfg.Layers = layers
	rng := env.Rand()
	nb, f := env.MaxBatch, cfg.Factors
	m := &NeuMF{cfg: cfg, env: env, pair: pair,
		gmf: newGMFPart("neumf.gmf", pair, f, cfg.InitStd, rng),
		mlp: newMLPPart("neumf.mlp", pair, layers, cfg.InitStd, nb, rng)}
	in := f + m.mlp.width()
	m.Out = nn.NewDense("neumf.out", in, 1, nb, nn.ActNone, rng)
	m.users, m.items = make([]int32, nb), make([]int32, nb)
	m.cat = make([]float32, nb*in)
	m.dtower = make([]float32, nb*m.mlp.width())
	m.w = make([]float32, f)
	return m, nil
}

// Pretraining returns the stages "gmf" and "mlp", a fresh GMF and MLP of
// this model's sizes and seed, and the init that starts this model from
// them (InitFrom). Without pretrain it returns no stage.
func (m *NeuMF) Pretraining() ([]Stage, func() error) {
	if !m.cfg.Pretrain {
		return nil, nil
	}
	env := Env{Layout: m.env.Layout, MaxBatch: m.env.MaxBatch, Seed: m.env.Seed}
	g, err := NewGMF(env, GMFConfig{Factors: m.cfg.Factors, InitStd: m.cfg.InitStd, L2: m.cfg.L2})
	if err != nil {
		// NewNeuMF made every check NewGMF makes on these settings.
		panic("model: NeuMF's GMF stage: " + err.Error())
	}
	p, err := NewMLP(env, MLPConfig{Factors: m.cfg.Factors, Layers: m.cfg.Layers, InitStd: m.cfg.InitStd, L2: m.cfg.L2})
	if err != nil {
		panic("model: NeuMF's MLP stage: " + err.Error())
	}
	return []Stage{{Name: "gmf", Model: g}, {Name: "mlp", Model: p}}, func() error { return m.InitFrom(g, p) }
}

// InitFrom starts the model from a trained GMF and MLP of its sizes: their
// embeddings and tower are copied (the two models stay as they are), and
// the output layer is h = [α·h_GMF; (1−α)·h_MLP], b = α·b_GMF + (1−α)·b_MLP.
func (m *NeuMF) InitFrom(g *GMF, p *MLP) error {
	if g.part.P.Rows != m.gmf.P.Rows || g.part.Q.Rows != m.gmf.Q.Rows || g.part.dim != m.gmf.dim {
		return fmt.Errorf("NeuMF initialization: the GMF has %d×%d user and %d item embeddings, want %d×%d and %d",
			g.part.P.Rows, g.part.dim, g.part.Q.Rows, m.gmf.P.Rows, m.gmf.dim, m.gmf.Q.Rows)
	}
	if p.part.P.Rows != m.mlp.P.Rows || p.part.Q.Rows != m.mlp.Q.Rows || !slices.Equal(p.cfg.Layers, m.cfg.Layers) {
		return fmt.Errorf("NeuMF initialization: the MLP has layers %v over %d users and %d items, want %v over %d and %d",
			p.cfg.Layers, p.part.P.Rows, p.part.Q.Rows, m.cfg.Layers, m.mlp.P.Rows, m.mlp.Q.Rows)
	}
	copyTable(m.gmf.P, g.part.P)
	copyTable(m.gmf.Q, g.part.Q)
	copyTable(m.mlp.P, p.part.P)
	copyTable(m.mlp.Q, p.part.Q)
	for i, w := range p.part.Tower.Params() {
		copy(m.mlp.Tower.Params()[i].W, w.W)
	}
	a, f := float32(m.cfg.Alpha), m.cfg.Factors
	for j, v := range g.Out.W.W {
		m.Out.W.W[j] = a * v
	}
	for j, v := range p.Out.W.W {
		m.Out.W.W[f+j] = (1 - a) * v
	}
	m.Out.B.W[0] = a*g.Out.B.W[0] + (1-a)*p.Out.B.W[0]
	return nil
}

// Forward returns hᵀ[φ_GMF; φ_MLP] + b for each row.
func (m *NeuMF) Forward(b *Batch) []float32 {
	users, items := m.pair.rows(b, m.users, m.items)
	n, f, w := b.N, m.cfg.Factors, m.mlp.width()
	in := f + w
	m.gmf.forward(users, items, m.cat, in, 0)
	t := m.mlp.forward(users, items)
	for k := range n {
		copy(m.cat[k*in+f:(k+1)*in], t[k*w:(k+1)*w])
	}
	return m.Out.Forward(m.cat[:n*in], n)
}

// Backward accumulates every gradient; the two branches share only h's
// gradient rows, so each embedding receives its own branch's gradient.
func (m *NeuMF) Backward(dlogit []float32) {
	n := len(dlogit)
	f, w := m.cfg.Factors, m.mlp.width()
	in := f + w
	dcat := m.Out.Backward(dlogit)
	for k := range n {
		copy(m.dtower[k*w:(k+1)*w], dcat[k*in+f:(k+1)*in])
	}
	m.gmf.backward(dcat, in, 0)
	m.mlp.backward(m.dtower[:n*w])
}

// ScoreItems writes hᵀ[φ_GMF; φ_MLP] + b for every item, scoreChunk items
// at a time (see ItemScorer).
func (m *NeuMF) ScoreItems(user int32, items []int32, scores []float32) {
	f, w := m.cfg.Factors, m.mlp.width()
	h := m.Out.W.W
	u := row(&m.pair.users, user)
	m.gmf.userWeights(m.w, h[:f], u)
	m.mlp.prepareUser(u)
	hm, b := h[f:], m.Out.B.W[0]
	for lo := 0; lo < len(items); lo += scoreChunk {
		hi := min(lo+scoreChunk, len(items))
		phi := m.mlp.scoreChunk(&m.pair.items, items[lo:hi])
		for k := range hi - lo {
			scores[lo+k] = dot(hm, phi[k*w:k*w+w]) + b
		}
		m.gmf.scoreAdd(m.w, &m.pair.items, items[lo:hi], scores[lo:hi])
	}
}

// Parts returns one part, "all": the tower, h and b, and the four
// embedding tables with the per-batch L2; after pretraining its default
// optimizer is finetune.
func (m *NeuMF) Parts() []Part {
	reg := tableL2(m.cfg.L2)
	p := Part{Name: "all", Params: append(m.mlp.Tower.Params(), m.Out.Params()...),
		Tables: []PartTable{{m.gmf.P, reg}, {m.gmf.Q, reg}, {m.mlp.P, reg}, {m.mlp.Q, reg}}}
	if m.cfg.Pretrain {
		ft := m.cfg.Finetune
		p.Optimizer = &ft
	}
	return []Part{p}
}

// SetTraining does nothing: NeuMF has no dropout.
func (m *NeuMF) SetTraining(bool) {}

var (
	_ Pretrainer = (*NeuMF)(nil)
	_ ItemScorer = (*NeuMF)(nil)
)
