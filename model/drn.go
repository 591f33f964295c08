package model

import (
	"fmt"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// QNet is the dueling Q-network of DRN (Zheng et al., WWW 2018), the value
// model of package rl's agent: each row is one (state, action) pair and
// the output its value,
//
//	Q(s, a) = V(s) + A(s, a)
//
// where the value tower V reads the state fields of the row and the
// advantage tower A the whole row. Every field is numeric (the agent's
// features are numbers, passed through unchanged); the state fields are
// those whose source is user or context, the action fields those whose
// source is item (the candidate's own features and its user–item
// features). So an artifact's encoders describe the inputs like any
// model's, and `recforge serve` ranks a request's candidates (the action
// fields) for its context (the state fields) by Q through the rank
// endpoint.
//
// The advantage is not centred over the candidates as Wang et al.'s
// dueling network centres it: the candidate pool changes at every request,
// so there is no fixed action set to centre over, and the DRN paper sums
// the two towers directly.
//
// Options and defaults: hidden [32, 16] (both towers), activation "relu"
// ("tanh" also). No hidden layer makes both towers linear.
type QNet struct {
	cfg      QNetConfig
	V, A     *nn.MLP
	state    []int // the slots of the state fields, in order
	width    int   // slots per row
	maxBatch int
	vin      []float32 // the state columns of the last Forward
	q        []float32
	dv, da   []float32
	params   []*nn.Param
}

// QNetConfig holds the Q-network's hyper-parameters.
type QNetConfig struct {
	// Hidden lists the hidden widths of both towers, input side first.
	Hidden []int `json:"hidden"`
	// Activation is the hidden activation, "relu" or "tanh".
	Activation string `json:"activation"`
}

func init() {
	Register(Info{
		Name:     "drn",
		Task:     TaskPolicy,
		Summary:  "DRN's dueling Q-network: Q(s, a) = V(state fields) + A(state and action fields), numeric fields in",
		Citation: "Zheng et al., DRN: A Deep Reinforcement Learning Framework for News Recommendation, WWW 2018",
		Config:   func() any { return &QNetConfig{Hidden: []int{32, 16}, Activation: "relu"} },
		New: func(env Env, cfg any) (Model, error) {
			return NewQNet(env, *cfg.(*QNetConfig))
		},
		Footprint: footprintQNet,
	})
}

// qnetInputs returns the slots of l's state fields and checks that l is a
// Q-network's layout: numeric fields only, at least one of each side.
func qnetInputs(l Layout) ([]int, error) {
	if len(l.Seqs) > 0 {
		return nil, fmt.Errorf("the schema has sequence %q; the Q-network reads numeric fields only", l.Seqs[0].Field)
	}
	var state []int
	for i, s := range l.Slots {
		if !s.Numeric {
			return nil, fmt.Errorf("field %q is not a plain numeric field; the Q-network reads numeric fields only", s.Name)
		}
		if s.Source != feature.Item {
			state = append(state, i)
		}
	}
	if len(state) == 0 {
		return nil, fmt.Errorf("the schema has no state field (numeric, source user or context)")
	}
	if len(state) == len(l.Slots) {
		return nil, fmt.Errorf("the schema has no action field (numeric, source item)")
	}
	return state, nil
}

// NewQNet builds a Q-network over env's layout, or returns an error naming
// the bad setting. The value tower's weights are drawn from Env.Rand()
// first, then the advantage tower's.
func NewQNet(env Env, cfg QNetConfig) (*QNet, error) {
	if err := cfgWidths("hidden", cfg.Hidden, 0); err != nil {
		return nil, err
	}
	act, err := cfgChoice("activation", cfg.Activation, []string{"relu", "tanh"}, []nn.Activation{nn.ActReLU, nn.ActTanh})
	if err != nil {
		return nil, err
	}
	state, err := qnetInputs(env.Layout)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	s, w, n := len(state), len(env.Layout.Slots), env.MaxBatch
	rng := env.Rand()
	q := &QNet{cfg: cfg, state: state, width: w, maxBatch: n}
	q.V = nn.NewMLP(nn.MLPConfig{Name: "drn.v", In: s, Hidden: cfg.Hidden, Activation: act, Out: 1, NoInputGrad: true}, n, rng)
	q.A = nn.NewMLP(nn.MLPConfig{Name: "drn.a", In: w, Hidden: cfg.Hidden, Activation: act, Out: 1, NoInputGrad: true}, n, rng)
	q.vin = make([]float32, n*s)
	q.q = make([]float32, n)
	q.dv = make([]float32, n)
	q.da = make([]float32, n)
	q.params = append(append([]*nn.Param(nil), q.V.Params()...), q.A.Params()...)
	return q, nil
}

func footprintQNet(env Env, c any) Footprint {
	cfg := c.(*QNetConfig)
	var a acc
	B, w := pos(env.MaxBatch), float64(len(env.Layout.Slots))
	state, err := qnetInputs(env.Layout)
	if err != nil {
		return a.Footprint
	}
	s := float64(len(state))
	a.mlp(nn.MLPConfig{Hidden: cfg.Hidden, Out: 1}, s, B)
	a.mlp(nn.MLPConfig{Hidden: cfg.Hidden, Out: 1}, w, B)
	a.f32(B*s + 3*B)
	return a.Footprint
}

// Width is the number of fields of a row, state and action together.
func (q *QNet) Width() int { return q.width }

// MaxBatch is the largest batch Forward accepts.
func (q *QNet) MaxBatch() int { return q.maxBatch }

// Forward returns Q of every row of b (b.Values; the ids are not read).
func (q *QNet) Forward(b *Batch) []float32 { return q.forward(b.Values, b.N) }

// forward returns Q of the n rows of x (n × Width values). x must stay
// unchanged until Backward.
func (q *QNet) forward(x []float32, n int) []float32 {
	w, s := q.width, len(q.state)
	if n > q.maxBatch || len(x) < n*w {
		panic(fmt.Sprintf("model: drn: %d values for %d rows of width %d (max batch %d)", len(x), n, w, q.maxBatch))
	}
	vin := q.vin[:n*s]
	for i := range n {
		row, v := x[i*w:(i+1)*w], vin[i*s:(i+1)*s]
		for j, c := range q.state {
			v[j] = row[c]
		}
	}
	v := q.V.Forward(vin, n)
	a := q.A.Forward(x[:n*w], n)
	out := q.q[:n]
	for i := range out {
		out[i] = v[i] + a[i]
	}
	return out
}

// Backward accumulates the parameter gradients of the last Forward from
// dQ; both towers receive dQ unchanged since ∂Q/∂V = ∂Q/∂A = 1.
func (q *QNet) Backward(dq []float32) {
	n := len(dq)
	copy(q.dv[:n], dq)
	copy(q.da[:n], dq)
	q.V.Backward(q.dv[:n])
	q.A.Backward(q.da[:n])
}

// Parts returns one part holding both towers, value tower first.
func (q *QNet) Parts() []Part { return []Part{{Name: "all", Params: q.params}} }

// SetTraining does nothing: the network has no dropout or batch
// statistics.
func (q *QNet) SetTraining(bool) {}

// Score computes Q for any number of rows of x (n × Width values), in
// chunks of MaxBatch, into out (len ≥ n). It overwrites what Backward
// would need.
func (q *QNet) Score(x []float32, n int, out []float32) {
	w := q.width
	for lo := 0; lo < n; lo += q.maxBatch {
		hi := min(lo+q.maxBatch, n)
		copy(out[lo:hi], q.forward(x[lo*w:hi*w], hi-lo))
	}
}

// CopyFrom sets q's weights to those of src, a network of the same shape:
// DRN's target network W' and explore network W̃ are copies of W.
func (q *QNet) CopyFrom(src *QNet) {
	for i, p := range q.params {
		copy(p.W, src.params[i].W)
	}
}

// Params returns every trainable parameter, value tower first (the one
// part's, without allocating).
func (q *QNet) Params() []*nn.Param { return q.params }
