package rl

import (
	"fmt"
	"math"
)

// ActivenessConfig parameterises DRN's survival model of user activeness.
// Between two visits activeness decays with a constant hazard,
// S(t) = S(t₀)·exp(−Hazard·(t − t₀)); each return adds Jump; the value never
// exceeds 1. A user's first visit sets it to Start.
type ActivenessConfig struct {
	// Start is S0, the activeness at a user's first visit (the paper: 0.5).
	Start float64
	// Hazard is λ0, the decay rate per simulated hour.
	Hazard float64
	// Jump is S_a, the increase on each return.
	Jump float64
}

// DefaultActiveness returns S0 = 0.5 (the paper's value), λ0 = 0.05 per hour
// (activeness halves in about 14 hours without a visit) and S_a = 0.3.
func DefaultActiveness() ActivenessConfig {
	return ActivenessConfig{Start: 0.5, Hazard: 0.05, Jump: 0.3}
}

// Validate reports the first field outside its range.
func (c ActivenessConfig) Validate() error {
	switch {
	case !(c.Start >= 0 && c.Start <= 1):
		return fmt.Errorf("rl: ActivenessConfig.Start = %v, want in [0, 1]", c.Start)
	case !(c.Hazard >= 0) || math.IsInf(c.Hazard, 0):
		return fmt.Errorf("rl: ActivenessConfig.Hazard = %v, want finite ≥ 0", c.Hazard)
	case !(c.Jump >= 0 && c.Jump <= 1):
		return fmt.Errorf("rl: ActivenessConfig.Jump = %v, want in [0, 1]", c.Jump)
	}
	return nil
}

// Activeness is one user's activeness state: its value at the time of the
// last visit. The zero value is a user not seen yet.
type Activeness struct {
	// Value is S right after the last visit.
	Value float64
	// Last is the time of the last visit, in simulated hours.
	Last float64
	// Seen reports whether the user has visited at all.
	Seen bool
}

// At returns the activeness at time t ≥ Last without a visit in between:
// the decayed value, or 0 for a user never seen.
func (a *Activeness) At(c ActivenessConfig, t float64) float64 {
	if !a.Seen {
		return 0
	}
	dt := t - a.Last
	if dt < 0 {
		dt = 0 // out-of-order times: treat as simultaneous rather than grow
	}
	return a.Value * math.Exp(-c.Hazard*dt)
}

// Visit records a visit at time t and returns the new activeness: Start on
// the first visit, otherwise the decayed value plus Jump, capped at 1.
func (a *Activeness) Visit(c ActivenessConfig, t float64) float64 {
	if !a.Seen {
		a.Value, a.Last, a.Seen = c.Start, t, true
		return a.Value
	}
	v := a.At(c, t) + c.Jump
	if v > 1 {
		v = 1
	}
	a.Value = v
	if t > a.Last {
		a.Last = t
	}
	return v
}
