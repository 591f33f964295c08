package stepbench

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Config sizes a DeepFM-shaped step.
type Config struct {
	// Sizes are the field vocabulary sizes (see FieldSizes).
	Sizes []int
	// Dim is the embedding dimension k.
	Dim int
	// Hidden are the MLP's hidden widths; the output layer adds one unit.
	Hidden []int
	// Batch is the maximum batch size.
	Batch int
	// Seed seeds every initialisation.
	Seed uint64
}

// DefaultConfig is the benchmark of the engine: 39 fields, k = 10, MLP
// 390→400→400→400→1, batch 4096, about one million embedding rows (times
// scale).
func DefaultConfig(scale int) Config {
	return Config{Sizes: FieldSizes(scale), Dim: 10, Hidden: []int{400, 400, 400}, Batch: 4096, Seed: 1}
}

// Step is a DeepFM training step: one embedding table V shared by the FM
// pairwise term and the MLP, a first-order table w, a global bias, sigmoid
// log loss and lazy Adam on the tables, dense Adam on the rest.
//
//	logit = b + Σ_f w[id_f] + FM₂(V[ids]) + MLP(concat V[ids])
type Step struct {
	cfg    Config
	v, w   *nn.Table
	embV   *nn.FieldEmbedding
	embW   *nn.FieldEmbedding
	fm     *nn.FMInteraction
	mlp    *nn.MLP
	bias   *nn.Param
	opt    *optim.Optimizer
	logits []float32
	dlogit []float32
	dEmb   []float32
	dW     []float32
}

// NewStep builds the model and its optimizer for rows embedding rows.
func NewStep(cfg Config, rows int) *Step {
	rng := nn.NewRand(cfg.Seed)
	f := len(cfg.Sizes)
	s := &Step{cfg: cfg}
	s.v = nn.NewTable("V", rows, cfg.Dim, false)
	s.v.InitNormal(0.01, rng)
	s.w = nn.NewTable("w", rows, 1, false)
	s.embV = nn.NewFieldEmbedding(s.v, f, cfg.Batch)
	s.embW = nn.NewFieldEmbedding(s.w, f, cfg.Batch)
	s.fm = nn.NewFMInteraction(f, cfg.Dim, cfg.Batch)
	s.mlp = nn.NewMLP(nn.MLPConfig{Name: "mlp", In: f * cfg.Dim, Hidden: cfg.Hidden, Activation: nn.ActReLU, Out: 1}, cfg.Batch, rng)
	s.bias = nn.NewParam("bias", 1)
	s.logits = make([]float32, cfg.Batch)
	s.dlogit = make([]float32, cfg.Batch)
	s.dEmb = make([]float32, cfg.Batch*f*cfg.Dim)
	s.dW = make([]float32, cfg.Batch*f)
	adam := optim.Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	g := optim.NewGroup("all", adam, 1e-3)
	g.AddParams(s.mlp.Params()...)
	g.AddParams(s.bias)
	g.AddTable(s.v, optim.TableReg{})
	g.AddTable(s.w, optim.TableReg{})
	s.opt = optim.New(g)
	return s
}

// Run trains on one batch and returns its mean log loss.
func (s *Step) Run(b Batch) float64 {
	f, k := len(s.cfg.Sizes), s.cfg.Dim
	n := len(b.Labels)
	e := s.embV.Forward(b.IDs, nil, n)
	first := s.embW.Forward(b.IDs, nil, n)
	fm := s.fm.Forward(e, n)
	deep := s.mlp.Forward(e, n)
	logits := s.logits[:n]
	for i := range logits {
		z := s.bias.W[0] + fm[i] + deep[i]
		for _, v := range first[i*f : (i+1)*f] {
			z += v
		}
		logits[i] = z
	}
	dlogit := s.dlogit[:n]
	loss := nn.SigmoidLogLoss(dlogit, logits, b.Labels, nil)

	// Backward passes may overwrite their dy, so each branch gets its own
	// copy of dlogit.
	dEmb := s.dEmb[:n*f*k]
	copy(s.dW[:n], dlogit)
	copy(dEmb, s.mlp.Backward(s.dW[:n]))
	copy(s.dW[:n], dlogit)
	for i, v := range s.fm.Backward(s.dW[:n]) {
		dEmb[i] += v
	}
	s.embV.Backward(dEmb)
	dW := s.dW[:n*f]
	for i, g := range dlogit {
		for j := range f {
			dW[i*f+j] = g
		}
		s.bias.G[0] += g
	}
	s.embW.Backward(dW)
	s.opt.Step()
	return loss
}
