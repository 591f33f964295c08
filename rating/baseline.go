package rating

import (
	"context"
	"fmt"
	"time"
)

// BaselineConfig configures Baseline. Zero fields take the defaults noted.
type BaselineConfig struct {
	// RegUser and RegItem are λ_u and λ_i of the objective (defaults 3
	// and 2, chosen on the validation part of u1.base, see doc.go).
	RegUser, RegItem float64
	// Passes is the number of alternating passes (default 10): item
	// biases, then user biases, each in closed form given the other.
	Passes int
}

func (c BaselineConfig) withDefaults() BaselineConfig {
	if c.RegUser == 0 {
		c.RegUser = 3
	}
	if c.RegItem == 0 {
		c.RegItem = 2
	}
	if c.Passes == 0 {
		c.Passes = 10
	}
	return c
}

func (c BaselineConfig) check() error {
	if !(c.RegUser >= 0) || !(c.RegItem >= 0) {
		return fmt.Errorf("baseline: regularization λ_u = %v, λ_i = %v, want both ≥ 0", c.RegUser, c.RegItem)
	}
	if c.Passes < 1 {
		return fmt.Errorf("baseline: %d passes, want ≥ 1", c.Passes)
	}
	return nil
}

// Baseline is Koren's baseline estimator r̂ = μ + b_u + b_i, with μ the
// training mean and the biases minimizing
//
//	Σ (r − μ − b_u − b_i)² + λ_u Σ b_u² + λ_i Σ b_i²
//
// by alternating exact minimization: b_i = Σ_{u∈R(i)} (r − μ − b_u) / (λ_i + |R(i)|),
// then b_u = Σ_{i∈R(u)} (r − μ − b_i) / (λ_u + |R(u)|), starting from zero
// biases. The objective is convex, so the passes converge to its minimum.
//
// Fallback: an unseen user or item contributes no bias (the biases that
// exist are kept): r̂ = μ + b_i for an unseen user, μ + b_u for an unseen
// item, μ for both. Predictions are clipped to the training range.
type Baseline struct {
	cfg BaselineConfig
	stats
	bu, bi []float32
}

// NewBaseline returns an untrained baseline.
func NewBaseline(cfg BaselineConfig) (*Baseline, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Baseline{cfg: cfg}, nil
}

// Fit computes the biases on train. valid, when given, is only scored.
func (b *Baseline) Fit(ctx context.Context, train, valid *Ratings) (*FitReport, error) {
	if err := train.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	b.stats = newStats(train)
	bu, bi := fitBiases(train, float64(b.mean), b.cfg.RegUser, b.cfg.RegItem, b.cfg.Passes)
	b.bu, b.bi = toFloat32(bu), toFloat32(bi)
	rep := &FitReport{Seconds: time.Since(start).Seconds()}
	if valid != nil {
		rep.ValidRMSE = Evaluate(b, valid).RMSE
	}
	return rep, ctx.Err()
}

// fitBiases runs the alternating passes in float64 and returns b_u, b_i.
func fitBiases(r *Ratings, mu, regU, regI float64, passes int) (bu, bi []float64) {
	bu, bi = make([]float64, r.NumUsers), make([]float64, r.NumItems)
	su, si := make([]float64, r.NumUsers), make([]float64, r.NumItems)
	nu, ni := make([]float64, r.NumUsers), make([]float64, r.NumItems)
	for k := range r.Values {
		nu[r.Users[k]]++
		ni[r.Items[k]]++
	}
	for range passes {
		clear(si)
		for k, v := range r.Values {
			si[r.Items[k]] += float64(v) - mu - bu[r.Users[k]]
		}
		for i := range bi {
			bi[i] = si[i] / (regI + ni[i])
			if ni[i] == 0 {
				bi[i] = 0 // λ_i = 0 and no ratings: 0/0
			}
		}
		clear(su)
		for k, v := range r.Values {
			su[r.Users[k]] += float64(v) - mu - bi[r.Items[k]]
		}
		for u := range bu {
			bu[u] = su[u] / (regU + nu[u])
			if nu[u] == 0 {
				bu[u] = 0
			}
		}
	}
	return bu, bi
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// Predict returns μ + b_u + b_i, leaving out the bias of an unseen user or
// item, clipped to the training range.
func (b *Baseline) Predict(u, i int32) float32 {
	return b.clip(b.mean + b.userBias(u) + b.itemBias(i))
}

func (b *Baseline) userBias(u int32) float32 {
	if b.knownUser(u) {
		return b.bu[u]
	}
	return 0
}

func (b *Baseline) itemBias(i int32) float32 {
	if b.knownItem(i) {
		return b.bi[i]
	}
	return 0
}

// Biases returns μ and the fitted biases b_u, b_i (shared, not copies).
func (b *Baseline) Biases() (mu float32, bu, bi []float32) { return b.mean, b.bu, b.bi }
