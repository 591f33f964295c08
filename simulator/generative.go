package simulator

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GenerativeConfig sets up the planted-preference world of NewGenerative.
type GenerativeConfig struct {
	Process
	Users        int     // number of users
	Dim          int     // dimension of item features and hidden preferences
	Topics       int     // number of topics; each item sits near one topic's centre
	ItemsPerHour float64 // rate of the Poisson process of item births
	ItemLifetime float64 // hours an item stays in circulation after its birth
	Bias         float64 // global logit offset
	QualityStd   float64 // std of the per-item logit offset (what popularity can learn)
	TopicSpread  float64 // std of an item's features around its topic's centre, before normalising
	PrefStd      float64 // stationary std of each preference coordinate
	DriftTau     float64 // hours over which preferences decorrelate (Ornstein–Uhlenbeck); 0 = no drift
	MeanGap      float64 // median over users of the mean hours to the next visit after a visit with no clicks
	GapSpread    float64 // std of the log of users' mean gaps (heterogeneous activeness)
}

// DefaultGenerative returns a news-like world: 2,000 users, 20 items born
// per hour living 48 hours, 10 topics in 16 dimensions, preferences
// decorrelating over three days, and users visiting about daily.
func DefaultGenerative() GenerativeConfig {
	return GenerativeConfig{Process: DefaultProcess(), Users: 2000, Dim: 16, Topics: 10, ItemsPerHour: 8,
		ItemLifetime: 36, Bias: -2, QualityStd: 1, TopicSpread: 0.5, PrefStd: 1.5, DriftTau: 72,
		MeanGap: 48, GapSpread: 0.5}
}

func (c *GenerativeConfig) validate() error {
	if err := c.Process.validate(); err != nil {
		return err
	}
	switch {
	case c.Users < 1:
		return fmt.Errorf("simulator: generative Users must be at least 1, got %d", c.Users)
	case c.Dim < 1:
		return fmt.Errorf("simulator: generative Dim must be at least 1, got %d", c.Dim)
	case c.Topics < 1:
		return fmt.Errorf("simulator: generative Topics must be at least 1, got %d", c.Topics)
	case !(c.ItemsPerHour > 0) || math.IsInf(c.ItemsPerHour, 0):
		return fmt.Errorf("simulator: generative ItemsPerHour must be a positive finite rate, got %v", c.ItemsPerHour)
	case !(c.ItemLifetime > 0):
		return fmt.Errorf("simulator: generative ItemLifetime must be > 0 hours, got %v", c.ItemLifetime)
	case math.IsNaN(c.Bias) || math.IsInf(c.Bias, 0):
		return fmt.Errorf("simulator: generative Bias must be finite, got %v", c.Bias)
	case !(c.QualityStd >= 0):
		return fmt.Errorf("simulator: generative QualityStd must be ≥ 0, got %v", c.QualityStd)
	case !(c.TopicSpread >= 0):
		return fmt.Errorf("simulator: generative TopicSpread must be ≥ 0, got %v", c.TopicSpread)
	case !(c.PrefStd >= 0):
		return fmt.Errorf("simulator: generative PrefStd must be ≥ 0, got %v", c.PrefStd)
	case !(c.DriftTau >= 0):
		return fmt.Errorf("simulator: generative DriftTau must be ≥ 0 hours (0 = static preferences), got %v", c.DriftTau)
	case !(c.MeanGap > 0):
		return fmt.Errorf("simulator: generative MeanGap must be > 0 hours, got %v", c.MeanGap)
	case !(c.GapSpread >= 0):
		return fmt.Errorf("simulator: generative GapSpread must be ≥ 0, got %v", c.GapSpread)
	}
	if c.ItemsPerHour*(c.Horizon+c.ItemLifetime) > 5e7 {
		return fmt.Errorf("simulator: generative ItemsPerHour·(Horizon+ItemLifetime) = %.3g items exceeds 5e7", c.ItemsPerHour*(c.Horizon+c.ItemLifetime))
	}
	return nil
}

// World is an environment: the engine shared by the generative and the
// replay worlds. It implements Env and Oracle and is not safe for
// concurrent use.
type World struct{ *world }

// NewGenerative builds the planted-preference world described in the
// package documentation.
func NewGenerative(cfg GenerativeConfig) (*World, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rng := newRng(cfg.Seed, streamItems)
	centres := make([][]float64, cfg.Topics)
	for t := range centres {
		c := make([]float64, cfg.Dim)
		for j := range c {
			c[j] = rng.NormFloat64()
		}
		normalize(c)
		centres[t] = c
	}
	src := &genSource{cfg: cfg, rng: rng, centres: centres, next: -cfg.ItemLifetime}
	src.next += rng.ExpFloat64() / cfg.ItemsPerHour
	w := newWorld(cfg.Process, cfg.Dim, cfg.Topics, cfg.Users, src)
	w.bias = cfg.Bias
	w.driftTau, w.driftStd = cfg.DriftTau, cfg.PrefStd
	urng := newRng(cfg.Seed, streamUserInit)
	for u := range w.users {
		us := &w.users[u]
		// Start from the stationary law of the drift, centred at 0.
		for j := range us.theta {
			us.theta[j] = cfg.PrefStd * urng.NormFloat64()
		}
		us.meanGap = cfg.MeanGap * math.Exp(cfg.GapSpread*urng.NormFloat64())
		w.schedule(int32(u), urng.Float64()*us.meanGap)
	}
	return &World{w}, nil
}

// genSource draws items from a Poisson process as time passes.
type genSource struct {
	cfg     GenerativeConfig
	rng     *rand.Rand
	centres [][]float64
	next    float64 // birth time of the next item
	id      int32
	out     []*worldItem
	vec     []float64
}

func (s *genSource) bornUpTo(t float64) []*worldItem {
	s.out = s.out[:0]
	if cap(s.vec) < s.cfg.Dim {
		s.vec = make([]float64, s.cfg.Dim)
	}
	for s.next <= t {
		topic := s.rng.IntN(s.cfg.Topics)
		c := s.centres[topic]
		for j := range s.vec {
			s.vec[j] = c[j] + s.cfg.TopicSpread*s.rng.NormFloat64()
		}
		normalize(s.vec)
		f := make([]float32, s.cfg.Dim)
		for j, v := range s.vec {
			f[j] = float32(v)
		}
		it := &worldItem{Item: Item{ID: s.id, Features: f, Topic: int32(topic), Born: s.next},
			latent: f, quality: s.cfg.QualityStd * s.rng.NormFloat64(), dies: s.next + s.cfg.ItemLifetime}
		s.out = append(s.out, it)
		s.id++
		s.next += s.rng.ExpFloat64() / s.cfg.ItemsPerHour
	}
	return s.out
}

// normalize scales v to unit length (leaves a zero vector alone).
func normalize(v []float64) {
	var n float64
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		return
	}
	n = 1 / math.Sqrt(n)
	for j := range v {
		v[j] *= n
	}
}
