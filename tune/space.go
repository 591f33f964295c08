package tune

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Scale says how a parameter's values are drawn.
type Scale int

// The scales.
const (
	// Log draws log-uniformly in [Low, High] (0 < Low ≤ High): learning
	// rates and penalties, whose orders of magnitude matter.
	Log Scale = iota + 1
	// Linear draws uniformly in [Low, High].
	Linear
	// Choice draws one of Values, each as likely.
	Choice
)

// String names the scale as Param.String writes it.
func (s Scale) String() string {
	switch s {
	case Log:
		return "log"
	case Linear:
		return "linear"
	case Choice:
		return "choice"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// Param is one hyper-parameter of a search space.
type Param struct {
	// Name is what the value sets: a field of the model's configuration,
	// by its JSON name ("embedding_dim"), or with Train a training setting
	// ("lr"). The caller gives the names their meaning.
	Name string
	// Train marks a training setting rather than a model
	// hyper-parameter.
	Train bool
	// Scale is how values are drawn.
	Scale Scale
	// Low and High bound a Log or Linear parameter. Drawn values are
	// rounded to 3 significant digits, so that they read and write back
	// exactly (a configuration file holds 0.00316, not
	// 0.0031622776601683794).
	Low, High float64
	// Values are a Choice parameter's choices, of any type that encodes as
	// JSON (numbers, strings, lists).
	Values []any
}

// LogUniform is a parameter drawn log-uniformly in [low, high].
func LogUniform(name string, low, high float64) Param {
	return Param{Name: name, Scale: Log, Low: low, High: high}
}

// Uniform is a parameter drawn uniformly in [low, high].
func Uniform(name string, low, high float64) Param {
	return Param{Name: name, Scale: Linear, Low: low, High: high}
}

// OneOf is a parameter drawn from values, each as likely.
func OneOf(name string, values ...any) Param {
	return Param{Name: name, Scale: Choice, Values: values}
}

// Training returns p marked as a training setting (Param.Train).
func (p Param) Training() Param {
	p.Train = true
	return p
}

// String describes p in one line, as error messages and listings show it:
// "lr (training): log [0.0001, 0.01]".
func (p Param) String() string {
	name := p.Name
	if p.Train {
		name += " (training)"
	}
	switch p.Scale {
	case Log, Linear:
		return fmt.Sprintf("%s: %s [%g, %g]", name, p.Scale, p.Low, p.High)
	case Choice:
		b, _ := json.Marshal(p.Values)
		return fmt.Sprintf("%s: one of %s", name, b)
	}
	return name + ": " + p.Scale.String()
}

// check reports a parameter that cannot be drawn.
func (p Param) check() error {
	if p.Name == "" {
		return errors.New("a parameter without a name")
	}
	finite := !math.IsNaN(p.Low) && !math.IsInf(p.Low, 0) && !math.IsNaN(p.High) && !math.IsInf(p.High, 0)
	switch p.Scale {
	case Log:
		if !finite || !(p.Low > 0) || p.Low > p.High {
			return fmt.Errorf("%s: a log scale needs finite bounds 0 < low ≤ high, got [%v, %v]", p.Name, p.Low, p.High)
		}
	case Linear:
		if !finite || p.Low > p.High {
			return fmt.Errorf("%s: a linear scale needs finite bounds low ≤ high, got [%v, %v]", p.Name, p.Low, p.High)
		}
	case Choice:
		if len(p.Values) == 0 {
			return fmt.Errorf("%s: no values to choose from", p.Name)
		}
		if _, err := json.Marshal(p.Values); err != nil {
			return fmt.Errorf("%s: values: %w", p.Name, err)
		}
	default:
		return fmt.Errorf("%s: unknown scale %d (want Log, Linear or Choice)", p.Name, int(p.Scale))
	}
	return nil
}

// draw draws one value of p from r.
func (p Param) draw(r *rand.Rand) any {
	switch p.Scale {
	case Log:
		lo, hi := math.Log(p.Low), math.Log(p.High)
		return round3(math.Exp(lo + r.Float64()*(hi-lo)))
	case Linear:
		return round3(p.Low + r.Float64()*(p.High-p.Low))
	default:
		return p.Values[r.IntN(len(p.Values))]
	}
}

// round3 rounds x to 3 significant digits.
func round3(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	return y
}

// Space is a search space: the hyper-parameters a search draws, each
// name at most once per kind (model or training).
type Space []Param

// Validate reports a space that cannot be searched: an empty one, a
// parameter that cannot be drawn, or a name given twice.
func (s Space) Validate() error {
	if len(s) == 0 {
		return errors.New("tune: the search space is empty: nothing to tune")
	}
	seen := map[[2]any]bool{}
	for _, p := range s {
		if err := p.check(); err != nil {
			return fmt.Errorf("tune: %w", err)
		}
		k := [2]any{p.Name, p.Train}
		if seen[k] {
			return fmt.Errorf("tune: %s is in the search space twice", p.Name)
		}
		seen[k] = true
	}
	return nil
}

// Trial is one configuration of a search.
type Trial struct {
	// ID numbers the trials from 0 in the order they were drawn.
	ID int
	// Params are the model hyper-parameters and Train the training
	// settings it sets, by name.
	Params map[string]any
	Train  map[string]any
}

// key identifies t's values (not its ID), to tell duplicates apart.
func (t Trial) key() string {
	b, _ := json.Marshal([2]map[string]any{t.Params, t.Train})
	return string(b)
}

// maxMisses is the number of draws in a row that give no new
// configuration after which Sample stops: the space has no more (or
// hardly any more) distinct points.
const maxMisses = 1000

// MaxTrials bounds the configurations a search may ask for: each is at
// least one training run.
const MaxTrials = 10000

// Sample draws n distinct configurations from s with seed: the same
// seed gives the same configurations, in the same order. When base is
// not nil it is trial 0 (the configuration the caller starts from), and
// n−1 are drawn. A space with fewer than n distinct points gives those
// found before 1000 draws in a row gave nothing new.
func Sample(s Space, n int, seed uint64, base *Trial) ([]Trial, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxTrials {
		return nil, fmt.Errorf("tune: %d configurations asked for, want 1 to %d", n, MaxTrials)
	}
	r := rand.New(rand.NewPCG(seed, 0x7475_6e65)) // "tune"
	var out []Trial
	seen := map[string]bool{}
	if base != nil {
		t := Trial{ID: 0, Params: clone(base.Params), Train: clone(base.Train)}
		out = append(out, t)
		seen[t.key()] = true
	}
	for misses := 0; len(out) < n && misses < maxMisses; {
		t := Trial{ID: len(out), Params: map[string]any{}, Train: map[string]any{}}
		for _, p := range s {
			if p.Train {
				t.Train[p.Name] = p.draw(r)
			} else {
				t.Params[p.Name] = p.draw(r)
			}
		}
		if k := t.key(); !seen[k] {
			seen[k] = true
			out = append(out, t)
			misses = 0
		} else {
			misses++
		}
	}
	return out, nil
}

// clone copies a map (nil stays nil).
func clone(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Grid returns every configuration of a space of choices (Choice
// parameters only), the first parameter varying slowest, as nested loops
// in the space's order would list them; IDs number them from 0. An
// exhaustive search (package implicit's) walks it instead of Sample.
func Grid(s Space) ([]Trial, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	for _, p := range s {
		if p.Scale != Choice {
			return nil, fmt.Errorf("tune: a grid needs choices: %s", p)
		}
	}
	out := []Trial{{Params: map[string]any{}, Train: map[string]any{}}}
	for _, p := range s {
		var next []Trial
		for _, t := range out {
			for _, v := range p.Values {
				u := Trial{Params: clone(t.Params), Train: clone(t.Train)}
				if p.Train {
					u.Train[p.Name] = v
				} else {
					u.Params[p.Name] = v
				}
				next = append(next, u)
			}
		}
		out = next
	}
	for i := range out {
		out[i].ID = i
	}
	return out, nil
}
