package rating

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/recforge/recforge/nn"
)

// BiasedMFConfig configures BiasedMF. Zero fields take the defaults noted
// (chosen on the validation part of u1.base, see doc.go).
type BiasedMFConfig struct {
	// Factors is the dimension of p_u and q_i (default 100).
	Factors int
	// LR is the SGD step size (default 0.01).
	LR float64
	// Reg is the L2 weight on the factors, RegBias on the biases
	// (defaults 0.1 and 0.02).
	Reg, RegBias float64
	// Epochs is the number of passes over the ratings, the maximum when
	// validating (default 200).
	Epochs int
	// Patience is the number of epochs without validation improvement
	// before stopping (default 10).
	Patience int
	// InitStd is the standard deviation of the normal factor
	// initialization (default 0.1).
	InitStd float64
	// Seed seeds the initialization and the per-epoch shuffles.
	Seed uint64
}

func (c BiasedMFConfig) withDefaults() BiasedMFConfig {
	if c.Factors == 0 {
		c.Factors = 100
	}
	if c.LR == 0 {
		c.LR = 0.01
	}
	if c.Reg == 0 {
		c.Reg = 0.1
	}
	if c.RegBias == 0 {
		c.RegBias = 0.02
	}
	if c.Epochs == 0 {
		c.Epochs = 200
	}
	if c.Patience == 0 {
		c.Patience = 10
	}
	if c.InitStd == 0 {
		c.InitStd = 0.1
	}
	return c
}

func (c BiasedMFConfig) check() error {
	switch {
	case c.Factors < 1:
		return fmt.Errorf("biasedmf: %d factors, want ≥ 1", c.Factors)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("biasedmf: learning rate %v, want > 0", c.LR)
	case !(c.Reg >= 0) || !(c.RegBias >= 0):
		return fmt.Errorf("biasedmf: regularization %v (factors), %v (biases), want ≥ 0", c.Reg, c.RegBias)
	case c.Epochs < 1:
		return fmt.Errorf("biasedmf: %d epochs, want ≥ 1", c.Epochs)
	case c.Patience < 0:
		return fmt.Errorf("biasedmf: patience %d, want ≥ 0", c.Patience)
	case !(c.InitStd >= 0):
		return fmt.Errorf("biasedmf: init std %v, want ≥ 0", c.InitStd)
	}
	return nil
}

// BiasedMF is the biased matrix factorization of Funk and Koren,
//
//	r̂ = μ + b_u + b_i + p_u·q_i,
//
// trained by SGD over the ratings in a seeded random order each epoch,
// one rating at a time: with e = r − r̂,
//
//	b_u += lr (e − λ_b b_u),  b_i += lr (e − λ_b b_i),
//	p_u += lr (e q_i − λ p_u), q_i += lr (e p_u − λ q_i)  (both from the old values).
//
// μ is the training mean and stays fixed; biases start at 0, factors at
// N(0, InitStd²).
//
// Fallback: the factor term needs both the user and the item; when either
// is unseen the prediction is μ plus the biases that exist. Predictions are
// clipped to the training range.
type BiasedMF struct {
	cfg BiasedMFConfig
	stats
	bu, bi []float32
	p, q   []float32 // NumUsers×Factors, NumItems×Factors
}

// NewBiasedMF returns an untrained model.
func NewBiasedMF(cfg BiasedMFConfig) (*BiasedMF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &BiasedMF{cfg: cfg}, nil
}

// Fit trains on train for cfg.Epochs epochs, or with early stopping on
// valid when it is given (the best epoch's parameters are kept).
func (m *BiasedMF) Fit(ctx context.Context, train, valid *Ratings) (*FitReport, error) {
	if err := train.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	c := m.cfg
	k := c.Factors
	m.stats = newStats(train)
	m.bu, m.bi = make([]float32, train.NumUsers), make([]float32, train.NumItems)
	m.p, m.q = make([]float32, train.NumUsers*k), make([]float32, train.NumItems*k)
	rng := nn.NewRand(c.Seed)
	nn.InitNormal(m.p, c.InitStd, rng)
	nn.InitNormal(m.q, c.InitStd, rng)

	var best *BiasedMF
	stop := stopper{patience: c.Patience}
	rep := &FitReport{}
	order := make([]int32, train.Len())
	for k := range order {
		order[k] = int32(k)
	}
	lr, reg, regB := float32(c.LR), float32(c.Reg), float32(c.RegBias)
	for epoch := 1; epoch <= c.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		var loss float64
		for _, r := range order {
			u, i := train.Users[r], train.Items[r]
			pu, qi := m.p[int(u)*k:int(u)*k+k], m.q[int(i)*k:int(i)*k+k]
			e := train.Values[r] - (m.mean + m.bu[u] + m.bi[i] + dot(pu, qi))
			loss += float64(e) * float64(e)
			m.bu[u] += lr * (e - regB*m.bu[u])
			m.bi[i] += lr * (e - regB*m.bi[i])
			for f := range pu {
				a, b := pu[f], qi[f]
				pu[f] = a + lr*(e*b-reg*a)
				qi[f] = b + lr*(e*a-reg*b)
			}
		}
		rep.Epochs = epoch
		rep.TrainLoss = append(rep.TrainLoss, loss/float64(train.Len()))
		if valid == nil {
			continue
		}
		rmse := Evaluate(m, valid).RMSE
		rep.Curve = append(rep.Curve, rmse)
		improved, done := stop.observe(epoch, rmse)
		if improved {
			best = m.snapshot(best)
		}
		if done {
			break
		}
	}
	rep.BestEpoch = rep.Epochs
	if valid != nil {
		m.restore(best)
		rep.BestEpoch, rep.ValidRMSE = stop.bestEpoch, stop.best
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// snapshot copies the parameters into dst (allocated when nil).
func (m *BiasedMF) snapshot(dst *BiasedMF) *BiasedMF {
	if dst == nil {
		dst = &BiasedMF{}
	}
	dst.bu = append(dst.bu[:0], m.bu...)
	dst.bi = append(dst.bi[:0], m.bi...)
	dst.p = append(dst.p[:0], m.p...)
	dst.q = append(dst.q[:0], m.q...)
	return dst
}

func (m *BiasedMF) restore(src *BiasedMF) {
	copy(m.bu, src.bu)
	copy(m.bi, src.bi)
	copy(m.p, src.p)
	copy(m.q, src.q)
}

func dot(a, b []float32) float32 {
	var s float32
	for f, x := range a {
		s += x * b[f]
	}
	return s
}

// Predict returns μ + b_u + b_i + p_u·q_i, or μ plus the existing biases
// when the user or the item is unseen, clipped to the training range.
func (m *BiasedMF) Predict(u, i int32) float32 {
	ku, ki := m.knownUser(u), m.knownItem(i)
	r := m.mean
	if ku {
		r += m.bu[u]
	}
	if ki {
		r += m.bi[i]
	}
	if ku && ki {
		k := m.cfg.Factors
		r += dot(m.p[int(u)*k:int(u)*k+k], m.q[int(i)*k:int(i)*k+k])
	}
	return m.clip(r)
}
