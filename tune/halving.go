package tune

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Defaults of a search.
const (
	// DefaultTrials is the number of configurations a search draws: with
	// DefaultEta, rungs of 9 and 3, then the one chosen.
	DefaultTrials = 9
	// DefaultEta is the halving factor η: each rung keeps the best third.
	DefaultEta = 3
)

// Rung is one round of successive halving: Size configurations train
// Epochs epochs each, and the best Keep go on.
type Rung struct {
	// Index numbers the rungs from 0.
	Index int `json:"rung"`
	// Size is the number of configurations trained.
	Size int `json:"size"`
	// Keep is the number kept for the next rung: ⌊Size/η⌋, or 1 at the
	// last rung, whose one kept configuration is the search's choice.
	Keep int `json:"keep"`
	// Epochs is what each configuration trains for at this rung.
	Epochs int `json:"epochs"`
}

// Plan lays out successive halving of n configurations with halving
// factor eta over a budget of maxEpochs: rung i trains
// nᵢ = ⌊n/ηⁱ⌋ configurations, for as long as nᵢ ≥ 2, and keeps the best
// ⌊nᵢ/η⌋ (at least 1). With K rungs, rung i trains
// max(minEpochs, ⌊maxEpochs/η^(K−i)⌋) epochs, so that the next step after
// the last rung, training the one configuration kept, is the full budget
// maxEpochs. For n = 9, η = 3 and 9 epochs: 9 configurations × 1 epoch,
// 3 × 3, then the chosen one × 9.
func Plan(n, eta, minEpochs, maxEpochs int) ([]Rung, error) {
	switch {
	case n < 2:
		return nil, fmt.Errorf("tune: %d configurations, want ≥ 2 to choose between", n)
	case n > MaxTrials:
		return nil, fmt.Errorf("tune: %d configurations, want at most %d", n, MaxTrials)
	case eta < 2:
		return nil, fmt.Errorf("tune: halving factor %d, want ≥ 2", eta)
	case minEpochs < 1:
		return nil, fmt.Errorf("tune: %d epochs at the first rung, want ≥ 1", minEpochs)
	case maxEpochs < minEpochs:
		return nil, fmt.Errorf("tune: budget of %d epochs, want ≥ %d (the first rung's)", maxEpochs, minEpochs)
	}
	var rungs []Rung
	for size := n; size >= 2; size /= eta {
		rungs = append(rungs, Rung{Index: len(rungs), Size: size, Keep: max(1, size/eta)})
	}
	k := len(rungs)
	for i := range rungs {
		// ⌊maxEpochs/η^(k−i)⌋ in integers: no rounding at any power.
		e := maxEpochs
		for range k - i {
			e /= eta
		}
		rungs[i].Epochs = max(minEpochs, e)
	}
	return rungs, nil
}

// Record is one configuration's score at one rung.
type Record struct {
	Trial  int     `json:"trial"`
	Rung   int     `json:"rung"`
	Epochs int     `json:"epochs"`
	Value  float64 `json:"value"`
	// Kept says whether the configuration went on to the next rung (at
	// the last rung: whether it is the one chosen).
	Kept bool `json:"kept"`
}

// Evaluate trains configuration t for epochs epochs and returns its score
// on the metric being tuned (on validation data: never the test data). A
// configuration that cannot be scored (its training diverged) scores NaN,
// which ranks last; an error ends the search.
type Evaluate func(ctx context.Context, t Trial, epochs int) (float64, error)

// Options configure Halve and Run.
type Options struct {
	// Trials is the number of configurations (default DefaultTrials), Eta
	// the halving factor (default DefaultEta).
	Trials, Eta int
	// MinEpochs is the least a rung trains (default 1); MaxEpochs the
	// full budget, the chosen configuration's (required).
	MinEpochs, MaxEpochs int
	// Seed seeds the sampling.
	Seed uint64
	// Higher says the metric is better higher (AUC) rather than lower
	// (log loss, RMSE).
	Higher bool
	// Base, when set, is trial 0: the configuration the search starts
	// from, compared with the drawn ones (see Sample).
	Base *Trial
	// OnRecord, when set, is told of each score as it comes (Kept not yet
	// decided); OnRung of each rung once ranked, its records in trial
	// order with Kept set.
	OnRecord func(Record)
	OnRung   func(Rung, []Record)
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Trials == 0 {
		o.Trials = DefaultTrials
	}
	if o.Eta == 0 {
		o.Eta = DefaultEta
	}
	if o.MinEpochs == 0 {
		o.MinEpochs = 1
	}
	return o
}

// Result is a finished search.
type Result struct {
	// Trials are the configurations, by ID; Rungs the plan they ran.
	Trials []Trial
	Rungs  []Rung
	// Records hold every score, rung by rung, each rung's in trial order.
	Records []Record
	// Best is the configuration the last rung kept, BestValue its score
	// there.
	Best      Trial
	BestValue float64
}

// Run draws o.Trials configurations from s with o.Seed (Sample) and
// halves them with eval (Halve).
func Run(ctx context.Context, s Space, o Options, eval Evaluate) (*Result, error) {
	o = o.withDefaults()
	trials, err := Sample(s, o.Trials, o.Seed, o.Base)
	if err != nil {
		return nil, err
	}
	if len(trials) < 2 && o.Trials >= 2 {
		return nil, fmt.Errorf("tune: the search space holds %d distinct configuration: nothing to choose between", len(trials))
	}
	return Halve(ctx, trials, o, eval)
}

// Halve runs successive halving over trials (Plan with len(trials)
// configurations and o's factor and budget): at each rung every remaining
// configuration is scored by eval for the rung's epochs, and the best
// Keep go on, ties going to the lower trial ID. A configuration already
// scored for the same epochs is not trained again (training is
// deterministic): its score is reused. Cancelling ctx stops the search
// between trials.
func Halve(ctx context.Context, trials []Trial, o Options, eval Evaluate) (*Result, error) {
	o = o.withDefaults()
	if o.MaxEpochs < 1 {
		return nil, fmt.Errorf("tune: no budget: MaxEpochs = %d, want ≥ 1", o.MaxEpochs)
	}
	rungs, err := Plan(len(trials), o.Eta, o.MinEpochs, o.MaxEpochs)
	if err != nil {
		return nil, err
	}
	res := &Result{Trials: trials, Rungs: rungs}
	alive := make([]int, len(trials)) // indices into trials, in ID order
	for i := range alive {
		alive[i] = i
	}
	scored := map[[2]int]float64{} // (trial index, epochs) → value
	for _, rung := range rungs {
		recs := make([]Record, 0, len(alive))
		for _, i := range alive {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			v, ok := scored[[2]int{i, rung.Epochs}]
			if !ok {
				if v, err = eval(ctx, trials[i], rung.Epochs); err != nil {
					return nil, fmt.Errorf("tune: trial %d, rung %d (%d epochs): %w", trials[i].ID, rung.Index, rung.Epochs, err)
				}
				scored[[2]int{i, rung.Epochs}] = v
			}
			r := Record{Trial: trials[i].ID, Rung: rung.Index, Epochs: rung.Epochs, Value: v}
			recs = append(recs, r)
			if o.OnRecord != nil {
				o.OnRecord(r)
			}
		}
		order := Rank(recs, o.Higher)
		next := make([]int, 0, rung.Keep)
		for _, k := range order[:rung.Keep] {
			recs[k].Kept = true
		}
		for k, i := range alive {
			if recs[k].Kept {
				next = append(next, i)
			}
		}
		alive = next
		res.Records = append(res.Records, recs...)
		if o.OnRung != nil {
			o.OnRung(rung, recs)
		}
	}
	// The last rung keeps one: the choice.
	res.Best = trials[alive[0]]
	res.BestValue = scored[[2]int{alive[0], rungs[len(rungs)-1].Epochs}]
	return res, nil
}

// Rank returns the indices of recs from best to worst by Value (see
// Better); ties keep the order of recs (the lower trial ID first, as Halve
// lists them).
func Rank(recs []Record, higher bool) []int {
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := recs[a].Value, recs[b].Value
		switch {
		case Better(x, y, higher):
			return -1
		case Better(y, x, higher):
			return 1
		}
		return 0
	})
	return order
}

// Better reports whether score x ranks before score y: higher first when
// higher, else lower first; NaN after every number.
func Better(x, y float64, higher bool) bool {
	switch xn, yn := math.IsNaN(x), math.IsNaN(y); {
	case xn:
		return false
	case yn:
		return true
	case higher:
		return x > y
	}
	return x < y
}
