package optim

import (
	"fmt"
	"math"
)

// Schedule scales a group's base learning rate with the step: the step with
// 0-based index s (the group's step count before it) uses LR()·Factor(s).
// Reduce-on-plateau is not a schedule but a call to SetLR or ScaleLR from the
// training loop, since it depends on validation results.
type Schedule interface {
	// Factor returns the multiplier of the base rate at the 0-based step.
	Factor(step int64) float64
}

// Constant keeps the base rate: the same as a nil Schedule.
type Constant struct{}

// Factor returns 1.
func (Constant) Factor(int64) float64 { return 1 }

// StepDecay multiplies the rate by Gamma every Every steps:
// Factor(s) = Gamma^⌊s/Every⌋ (PyTorch's StepLR).
type StepDecay struct {
	// Every is the number of steps between decays; it must be positive.
	Every int64
	// Gamma is the factor applied at each decay.
	Gamma float64
}

// Factor returns Gamma^⌊s/Every⌋.
func (d StepDecay) Factor(s int64) float64 {
	if d.Every <= 0 {
		panic(fmt.Sprintf("optim: StepDecay.Every = %d, want > 0", d.Every))
	}
	return math.Pow(d.Gamma, float64(s/d.Every))
}

// ExpDecay decays the rate continuously by Rate every Steps steps:
// Factor(s) = Rate^(s/Steps) (TensorFlow's exponential_decay; StepDecay is
// its staircase form).
type ExpDecay struct {
	// Rate is the factor reached after Steps steps.
	Rate float64
	// Steps is the decay's time scale; it must be positive.
	Steps int64
}

// Factor returns Rate^(s/Steps).
func (d ExpDecay) Factor(s int64) float64 {
	if d.Steps <= 0 {
		panic(fmt.Sprintf("optim: ExpDecay.Steps = %d, want > 0", d.Steps))
	}
	return math.Pow(d.Rate, float64(s)/float64(d.Steps))
}

// Decay is the shape of the decay that follows a warmup.
type Decay int

// The decays after warmup.
const (
	// DecayNone holds the base rate after warmup.
	DecayNone Decay = iota
	// DecayLinear falls linearly to Final at step Total.
	DecayLinear
	// DecayCosine follows half a cosine down to Final at step Total.
	DecayCosine
)

// Warmup raises the rate linearly over the first Steps steps, then decays it
// to Final·base at step Total and holds it there:
//
//	Factor(s) = (s+1)/Steps                      s < Steps
//	p = (s − Steps)/(Total − Steps), clamped to [0, 1], for s ≥ Steps:
//	Factor(s) = 1                                DecayNone
//	Factor(s) = 1 − (1 − Final)·p                DecayLinear
//	Factor(s) = Final + (1 − Final)·(1 + cos πp)/2   DecayCosine
//
// The first step already moves (factor 1/Steps), and the last warmup step
// reaches the full rate.
type Warmup struct {
	// Steps is the warmup's length (0: no warmup).
	Steps int64
	// Decay is the shape after warmup.
	Decay Decay
	// Total is the step at which the decay ends; it must exceed Steps
	// unless Decay is DecayNone.
	Total int64
	// Final is the factor the decay ends at (0: decay to zero).
	Final float64
}

// Factor returns the warmup or decay factor of step s.
func (w Warmup) Factor(s int64) float64 {
	if w.Steps < 0 || (w.Decay != DecayNone && w.Total <= w.Steps) {
		panic(fmt.Sprintf("optim: Warmup{Steps: %d, Total: %d}: want Steps ≥ 0 and, with a decay, Total > Steps", w.Steps, w.Total))
	}
	if s < w.Steps {
		return float64(s+1) / float64(w.Steps)
	}
	p := math.Min(float64(s-w.Steps)/float64(w.Total-w.Steps), 1)
	switch w.Decay {
	case DecayNone:
		return 1
	case DecayLinear:
		return 1 - (1-w.Final)*p
	case DecayCosine:
		return w.Final + (1-w.Final)*(1+math.Cos(math.Pi*p))/2
	}
	panic(fmt.Sprintf("optim: unknown Decay %d", int(w.Decay)))
}
