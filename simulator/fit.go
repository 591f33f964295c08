package simulator

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/train"
)

// mfModel is a logistic matrix factorisation, P(click) = σ(b0 + b_i +
// p_u·q_i): the hidden click model of a replay world.
type mfModel struct {
	dim  int
	p, q []float64
	b    []float64
	b0   float64
}

func (m *mfModel) logit(u, i int32) float64 {
	z := m.b0 + m.b[i]
	pu, qi := m.p[int(u)*m.dim:(int(u)+1)*m.dim], m.q[int(i)*m.dim:(int(i)+1)*m.dim]
	for j := range pu {
		z += pu[j] * qi[j]
	}
	return z
}

// clickMF is mfModel while it is fitted: a model.Model trained by the
// shared trainer (train.Fit). Row k of a batch holds the 0-based user and
// item of one example in IDs[2k] and IDs[2k+1].
type clickMF struct {
	p, q, b *nn.Table // user factors, item factors, item biases
	b0      *nn.Param
	ids     []int32 // the last Forward's pairs, not copied
	out     []float32
	parts   []model.Part
}

// newClickMF draws p and q from N(0, 0.1²) with rng (p first), biases 0.
// The factors and item biases train with the run's optimizer and an L2
// penalty of l2 on every row an example touches; the global bias trains
// with plain SGD at a tenth of lr, unpenalized.
func newClickMF(users, items, dim, maxBatch int, lr, l2 float64, rng *rand.Rand) *clickMF {
	m := &clickMF{
		p: nn.NewTable("mf.user", users, dim, false), q: nn.NewTable("mf.item", items, dim, false),
		b: nn.NewTable("mf.item_bias", items, 1, false), b0: nn.NewParam("mf.bias", 1),
		out: make([]float32, maxBatch),
	}
	m.p.InitNormal(0.1, rng)
	m.q.InitNormal(0.1, rng)
	reg := optim.TableReg{Kind: optim.RegBatch, L2: float32(l2)}
	m.parts = []model.Part{
		{Name: "factors", Tables: []model.PartTable{{Table: m.p, Reg: reg}, {Table: m.q, Reg: reg}, {Table: m.b, Reg: reg}}},
		{Name: "bias", Params: []*nn.Param{m.b0}, Optimizer: &optim.Spec{Rule: "sgd", LR: lr / 10}},
	}
	return m
}

func (m *clickMF) Forward(b *model.Batch) []float32 {
	m.ids = b.IDs[:2*b.N]
	out := m.out[:b.N]
	for k := range out {
		u, i := m.ids[2*k], m.ids[2*k+1]
		z := m.b0.W[0] + m.b.Row(i)[0]
		for j, x := range m.p.Row(u) {
			z += x * m.q.Row(i)[j]
		}
		out[k] = z
	}
	return out
}

func (m *clickMF) Backward(dout []float32) {
	for k, g := range dout {
		u, i := m.ids[2*k], m.ids[2*k+1]
		p, q := m.p.Row(u), m.q.Row(i)
		gp, gq := m.p.GradRow(u), m.q.GradRow(i)
		for j := range p {
			gp[j] += g * q[j]
			gq[j] += g * p[j]
		}
		m.b.GradRow(i)[0] += g
		m.b0.G[0] += g
	}
}

func (m *clickMF) Parts() []model.Part { return m.parts }

func (m *clickMF) SetTraining(bool) {}

// mfExamples are a log's examples for the trainer: every logged event with
// its label, and for each positive NegPerPos items drawn uniformly as
// non-clicks, drawn afresh every epoch.
type mfExamples struct {
	lg        *replayLog
	negPerPos int
	seed      uint64
	users     []int32
	items     []int32
	labels    []float32
	batch     model.Batch
}

func (s *mfExamples) Epoch(e int) (int, error) {
	rng := newRng(s.seed, streamFit+uint64(e))
	s.users, s.items, s.labels = s.users[:0], s.items[:0], s.labels[:0]
	for _, ev := range s.lg.events {
		s.users, s.items = append(s.users, ev.user), append(s.items, ev.item)
		if !ev.pos {
			s.labels = append(s.labels, 0)
			continue
		}
		s.labels = append(s.labels, 1)
		for range s.negPerPos {
			s.users, s.items = append(s.users, ev.user), append(s.items, int32(rng.IntN(s.lg.items)))
			s.labels = append(s.labels, 0)
		}
	}
	return len(s.labels), nil
}

func (s *mfExamples) Batch(idx []int32) *model.Batch {
	b := &s.batch
	b.N = len(idx)
	for k, e := range idx {
		b.IDs[2*k], b.IDs[2*k+1], b.Label[k] = s.users[e], s.items[e], s.labels[e]
	}
	return b
}

// fitMF fits the factorisation to the log's labels plus sampled unobserved
// items as non-clicks: log loss, one example per SGD step, through the
// shared trainer.
func fitMF(lg *replayLog, cfg *ReplayConfig, rng *rand.Rand) (*mfModel, error) {
	const batch = 1
	m := newClickMF(lg.users, lg.items, cfg.Dim, batch, cfg.LearnRate, cfg.L2, rng)
	src := &mfExamples{lg: lg, negPerPos: cfg.NegPerPos, seed: cfg.Seed,
		batch: model.Batch{IDs: make([]int32, 2*batch), Label: make([]float32, batch)}}
	tc := train.Config{Task: train.Binary, Epochs: cfg.Epochs, Batch: batch, Seed: cfg.Seed,
		Optimizer: optim.Spec{Rule: "sgd", LR: cfg.LearnRate}}
	if _, err := train.Fit(context.Background(), m, src, nil, tc, train.Options{}); err != nil {
		return nil, fmt.Errorf("simulator: fitting the click model: %w", err)
	}
	d := cfg.Dim
	out := &mfModel{dim: d, p: make([]float64, lg.users*d), q: make([]float64, lg.items*d), b: make([]float64, lg.items),
		b0: float64(m.b0.W[0])}
	for u := range lg.users {
		for j, x := range m.p.Row(int32(u)) {
			out.p[u*d+j] = float64(x)
		}
	}
	for i := range lg.items {
		for j, x := range m.q.Row(int32(i)) {
			out.q[i*d+j] = float64(x)
		}
		out.b[i] = float64(m.b.Row(int32(i))[0])
	}
	return out, nil
}
