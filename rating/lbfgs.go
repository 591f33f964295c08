package rating

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// fitLBFGS minimizes the full objective with gonum's L-BFGS, as the paper
// trained AutoRec (full batch, a quasi-Newton method). The iterate is a
// float64 copy of V, W, μ and b; the objective and its gradient are
// computed in float32 SGEMMs and summed in float64. One epoch is one
// L-BFGS major iteration (each costs one or more full passes). When the
// line search can no longer make progress (float32 noise near a minimum),
// training ends as if converged, keeping the last iterate.
func (a *AutoRec) fitLBFGS(ctx context.Context, valid *Ratings, rep *FitReport) error {
	params := a.Params()
	dim := 0
	for _, p := range params {
		dim += len(p.W)
	}
	x0 := make([]float64, dim)
	a.pack(x0)

	// gonum asks for the value and the gradient at the same point in two
	// calls; one pass computes both and the second call reads the cache.
	var (
		cacheX []float64
		cacheF float64
		cacheG = make([]float64, dim)
	)
	eval := func(x []float64) {
		if cacheX != nil && slices.Equal(cacheX, x) {
			return
		}
		a.unpack(x)
		for _, p := range params {
			p.ZeroGrad()
		}
		cacheF = a.objective(a.active, 1, true)
		o := 0
		for _, p := range params {
			for _, g := range p.G {
				cacheG[o] = float64(g)
				o++
			}
		}
		cacheX = append(cacheX[:0], x...)
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { eval(x); return cacheF },
		Grad: func(g, x []float64) { eval(x); copy(g, cacheG) },
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	val := newValidator(a, valid)
	rec := &iterRecorder{a: a, val: val, rep: rep}
	// The recorder enforces the epoch limit, so that every iteration is
	// recorded (gonum skips the recorder on the one that hits its limit).
	settings := &optimize.Settings{Converger: optimize.NeverTerminate{}, Recorder: rec}
	res, err := optimize.Minimize(prob, x0, settings, &optimize.LBFGS{})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if res == nil {
		return fmt.Errorf("autorec: L-BFGS: %w", err)
	}
	// Whatever ended the run (the epoch limit, early stopping, a line
	// search that cannot progress), the last major iterate stands; early
	// stopping then restores the best one.
	a.unpack(res.X)
	if l := a.Loss(); math.IsNaN(l) || math.IsInf(l, 0) {
		return fmt.Errorf("autorec: L-BFGS ended at a non-finite objective %v", l)
	}
	val.finish(rep)
	return nil
}

// errStop ends an L-BFGS run from its recorder.
var errStop = errors.New("stop")

// iterRecorder is called by gonum at every operation; at each major
// iteration it records the objective and scores the validation part.
type iterRecorder struct {
	a   *AutoRec
	val *validator
	rep *FitReport
}

func (r *iterRecorder) Init() error { return nil }

func (r *iterRecorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	r.rep.Epochs++
	r.rep.TrainLoss = append(r.rep.TrainLoss, loc.F)
	if r.val.valid != nil {
		r.a.unpack(loc.X)
		if r.val.epoch(r.rep.Epochs, r.rep) {
			return errStop
		}
	}
	if r.rep.Epochs >= r.a.cfg.Epochs {
		return errStop
	}
	return nil
}

// pack copies V, W, μ and b into x.
func (a *AutoRec) pack(x []float64) {
	o := 0
	for _, p := range a.Params() {
		for _, w := range p.W {
			x[o] = float64(w)
			o++
		}
	}
}

// unpack sets V, W, μ and b from x.
func (a *AutoRec) unpack(x []float64) {
	o := 0
	for _, p := range a.Params() {
		for j := range p.W {
			p.W[j] = float32(x[o])
			o++
		}
	}
}
