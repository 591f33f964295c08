package nn

import (
	"fmt"
	"math/rand/v2"
)

// LearnedActivation selects a hidden activation that carries parameters or
// statistics and so runs as a layer of its own rather than fused into Dense.
type LearnedActivation int

// The learned activations an MLP can use.
const (
	// NoLearnedActivation uses MLPConfig.Activation.
	NoLearnedActivation LearnedActivation = iota
	// LearnedPReLU uses PReLU (per-channel slope).
	LearnedPReLU
	// LearnedDice uses Dice (DIN).
	LearnedDice
)

// String names the activation as configuration files spell it.
func (a LearnedActivation) String() string {
	switch a {
	case NoLearnedActivation:
		return "none"
	case LearnedPReLU:
		return "prelu"
	case LearnedDice:
		return "dice"
	}
	return fmt.Sprintf("LearnedActivation(%d)", int(a))
}

// MLPConfig describes a multi-layer perceptron.
type MLPConfig struct {
	// Name prefixes the parameter names: Name.h0.w, Name.h0.b, ...,
	// Name.out.w.
	Name string
	// In is the input width.
	In int
	// Hidden lists the hidden layer widths, input side first.
	Hidden []int
	// Activation is the hidden activation when Learned is
	// NoLearnedActivation (it must be ActNone otherwise).
	Activation Activation
	// Learned selects PReLU or Dice as the hidden activation.
	Learned LearnedActivation
	// Dropout is the dropout rate after each hidden layer (0: none).
	Dropout float64
	// BatchNorm inserts batch normalisation after each hidden Dense,
	// before its activation.
	BatchNorm bool
	// Out is the output layer's width; 0 leaves the output layer out, so
	// that the MLP ends with its last hidden layer (a tower whose output is
	// concatenated elsewhere, as in DCN or NeuMF).
	Out int
	// OutActivation is the output layer's activation, usually ActNone (a
	// logit for SigmoidLogLoss).
	OutActivation Activation
	// NoInputGrad skips the input gradient, for an MLP fed directly by data.
	NoInputGrad bool
}

// mlpLayer is the Forward/Backward shape shared by the layers an MLP
// stacks.
type mlpLayer interface {
	Forward(x []float32, n int) []float32
	Backward(dy []float32) []float32
}

// MLP is a stack of Dense layers. Each hidden layer is
//
//	Dense → [BatchNorm] → activation → [Dropout]
//
// where the activation is fused into the Dense layer when there is neither
// BatchNorm nor a learned activation, and is a layer of its own otherwise.
// An output Dense layer with its own activation ends the stack unless
// Config.Out is 0.
type MLP struct {
	// Config is the configuration the MLP was built from.
	Config MLPConfig
	// Dense lists the Dense layers in order, the output layer last, so that
	// models can initialise them (e.g. NeuMF's output weights).
	Dense []*Dense

	layers   []mlpLayer
	trainers []Trainer
	drops    []*Dropout
	stats    []*BatchStats
	params   []*Param
	outWidth int
}

// NewMLP builds the MLP described by cfg for batches of up to maxBatch rows.
// Dense weights and then dropout seeds are drawn from rng, layer by layer.
func NewMLP(cfg MLPConfig, maxBatch int, rng *rand.Rand) *MLP {
	if cfg.In < 1 || cfg.Out < 0 || (cfg.Out == 0 && len(cfg.Hidden) == 0) {
		panic(fmt.Sprintf("nn: MLP %s: need In ≥ 1, Out ≥ 0 and at least one layer, got In %d, Hidden %v, Out %d", cfg.Name, cfg.In, cfg.Hidden, cfg.Out))
	}
	if cfg.Learned != NoLearnedActivation && cfg.Activation != ActNone {
		panic(fmt.Sprintf("nn: MLP %s: Activation %v and Learned %v both set", cfg.Name, cfg.Activation, cfg.Learned))
	}
	if cfg.Learned > LearnedDice || cfg.Learned < 0 || cfg.Activation > ActTanh || cfg.Activation < 0 || cfg.OutActivation > ActTanh || cfg.OutActivation < 0 {
		panic(fmt.Sprintf("nn: MLP %s: unknown activation %v, %v or %v", cfg.Name, cfg.Activation, cfg.Learned, cfg.OutActivation))
	}
	if !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		panic(fmt.Sprintf("nn: MLP %s: dropout rate must be in [0, 1), got %g", cfg.Name, cfg.Dropout))
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	m := &MLP{Config: cfg}
	add := func(l mlpLayer, params []*Param) {
		m.layers = append(m.layers, l)
		m.params = append(m.params, params...)
		if t, ok := l.(Trainer); ok {
			m.trainers = append(m.trainers, t)
		}
	}
	in := cfg.In
	for i, out := range cfg.Hidden {
		if out < 1 {
			panic(fmt.Sprintf("nn: MLP %s: hidden layer %d has width %d", cfg.Name, i, out))
		}
		name := fmt.Sprintf("%s.h%d", cfg.Name, i)
		separate := cfg.BatchNorm || cfg.Learned != NoLearnedActivation
		fused := cfg.Activation
		if separate {
			fused = ActNone
		}
		d := NewDense(name, in, out, maxBatch, fused, rng)
		d.NoInputGrad = i == 0 && cfg.NoInputGrad
		m.Dense = append(m.Dense, d)
		add(d, d.Params())
		if cfg.BatchNorm {
			b := NewBatchNorm(name+".bn", out, maxBatch)
			m.stats = append(m.stats, &b.BatchStats)
			add(b, b.Params())
		}
		if separate {
			switch {
			case cfg.Learned == LearnedPReLU:
				p := NewPReLU(name+".prelu", out, maxBatch)
				add(p, p.Params())
			case cfg.Learned == LearnedDice:
				dc := NewDice(name+".dice", out, maxBatch)
				m.stats = append(m.stats, &dc.BatchStats)
				add(dc, dc.Params())
			case cfg.Activation == ActReLU:
				add(NewReLU(out, maxBatch), nil)
			case cfg.Activation == ActSigmoid:
				add(NewSigmoid(out, maxBatch), nil)
			case cfg.Activation == ActTanh:
				add(NewTanh(out, maxBatch), nil)
			}
		}
		if cfg.Dropout > 0 {
			d := NewDropout(out, maxBatch, cfg.Dropout, rng.Uint64())
			m.drops = append(m.drops, d)
			add(d, nil)
		}
		in = out
	}
	if cfg.Out > 0 {
		d := NewDense(cfg.Name+".out", in, cfg.Out, maxBatch, cfg.OutActivation, rng)
		d.NoInputGrad = len(cfg.Hidden) == 0 && cfg.NoInputGrad
		m.Dense = append(m.Dense, d)
		add(d, d.Params())
		in = cfg.Out
	}
	m.outWidth = in
	return m
}

// OutWidth is the width of the MLP's output.
func (m *MLP) OutWidth() int { return m.outWidth }

// Params returns every trainable parameter, input side first.
func (m *MLP) Params() []*Param { return m.params }

// Stats returns the running statistics of the BatchNorm and Dice layers,
// input side first: state a trained model must save besides Params.
func (m *MLP) Stats() []*BatchStats { return m.stats }

// SetTraining switches every BatchNorm, Dice and Dropout layer.
func (m *MLP) SetTraining(training bool) {
	for _, t := range m.trainers {
		t.SetTraining(training)
	}
}

// Reseed restarts the mask stream of every Dropout layer, as
// Dropout.Reseed does for one: the i-th Dropout layer (input side first)
// is reseeded with the i-th value drawn from NewRand(seed). A model that
// draws its layers' seeds from one stream passes the MLP one of them, so
// that a resumed run or a gradient check can replay the masks. Without
// dropout it does nothing.
func (m *MLP) Reseed(seed uint64) {
	rng := NewRand(seed)
	for _, d := range m.drops {
		d.Reseed(rng.Uint64())
	}
}

// Forward runs the n×In batch x through the stack and returns the
// n×OutWidth output. x must stay unchanged until Backward.
func (m *MLP) Forward(x []float32, n int) []float32 {
	for _, l := range m.layers {
		x = l.Forward(x, n)
	}
	return x
}

// Backward accumulates every parameter gradient from dy (n×OutWidth,
// overwritten) and returns dL/dx (n×In), or nil when NoInputGrad is set.
func (m *MLP) Backward(dy []float32) []float32 {
	for i := len(m.layers) - 1; i >= 0; i-- {
		dy = m.layers[i].Backward(dy)
	}
	return dy
}
