package synth

import "fmt"

// CTRConfig describes a synthetic CTR log. Zero fields take the documented
// defaults, which give a Criteo-shaped log (13 numeric, 26 categorical
// fields) with a base CTR of 0.2.
type CTRConfig struct {
	// Seed selects the world (weights, vocabularies) and the row stream.
	Seed uint64

	// Vocab is the number of distinct values of each categorical field;
	// its length is the number of categorical fields. Default
	// CriteoVocab: Criteo's cardinalities capped at 10^5.
	Vocab []int
	// CatMissing is the probability that each categorical field is empty.
	// Default: Criteo-like rates for 26 fields, none otherwise.
	CatMissing []float64
	// Zipf is the exponent s of value frequencies ∝ 1/rank^s. Default 1.1.
	Zipf float64

	// Numeric is the number of integer count fields. Default 13.
	Numeric int
	// NumMissing is the probability that each numeric field is empty.
	// Default: Criteo-like rates for 13 fields, none otherwise.
	NumMissing []float64

	// BaseCTR is the target mean click probability. Default 0.2.
	BaseCTR float64
	// FirstOrder scales the first-order weights: each field's weights
	// have a standard deviation of FirstOrder times a per-field factor
	// in [0.2, 1] (numeric fields: half that). Default 0.4, which with
	// the default crosses gives an oracle AUC near 0.84 and a first-order
	// oracle near 0.78.
	FirstOrder float64

	// Crosses are the planted categorical pairs. nil means DefaultCrosses;
	// an empty non-nil slice plants none.
	Crosses []Cross
	// NumCatCrosses are the planted numeric×categorical pairs. nil means
	// DefaultNumCatCrosses; an empty non-nil slice plants none.
	NumCatCrosses []NumCatCross
	// CrossDim is the dimension of the latent vectors whose dot products
	// make the categorical crosses. Default 4.
	CrossDim int

	// CalibrationRows are drawn (from their own stream) to set the bias
	// that hits BaseCTR. Default 50,000.
	CalibrationRows int
}

// Cross plants an interaction between categorical fields A and B (0-based
// indices into Vocab): the logit gains Weight·⟨u_a, v_b⟩/√CrossDim, with
// u and v standard normal latent vectors centred under the field's value
// distribution, so the cross has no first-order part — a model has to cross
// the fields to see it. Factorized crosses are what FM-style models can
// learn for pairs never seen together.
type Cross struct {
	A, B   int
	Weight float64
}

// NumCatCross plants an interaction between numeric field Num and
// categorical field Cat: the logit gains Weight·(x̃ − E x̃)·c_v, where x̃ is
// the standardized ln(1+x) of the count and c_v a centred standard normal
// weight of the category, so the slope of the count differs by category.
type NumCatCross struct {
	Num, Cat int
	Weight   float64
}

// CriteoVocab are the cardinalities of Criteo's C1..C26 (Kaggle, 7 days),
// capped at 10^5 so that tables stay small.
var CriteoVocab = []int{
	1460, 583, 100000, 100000, 305, 24, 12517, 633, 3, 93145, 5683, 100000, 3194,
	27, 14992, 100000, 10, 5652, 2173, 4, 100000, 18, 15, 100000, 105, 100000,
}

// criteoCatMissing and criteoNumMissing are rounded missing rates of the
// Criteo sample in shared/data.
var (
	criteoCatMissing = []float64{
		0, 0, 0.03, 0.03, 0, 0.12, 0, 0, 0, 0, 0, 0.03, 0,
		0, 0, 0.03, 0, 0, 0.44, 0.44, 0.03, 0, 0, 0.03, 0.44, 0.44,
	}
	criteoNumMissing = []float64{0.45, 0, 0.2, 0.2, 0.05, 0.25, 0.05, 0, 0.05, 0.45, 0.05, 0.77, 0.2}
)

// DefaultCrosses are five planted pairs over fields small enough that their
// value pairs recur: C1×C6, C2×C5, C8×C14, C17×C20, C11×C13.
var DefaultCrosses = []Cross{
	{A: 0, B: 5, Weight: 0.6},
	{A: 1, B: 4, Weight: 0.45},
	{A: 7, B: 13, Weight: 0.4},
	{A: 16, B: 19, Weight: 0.5},
	{A: 10, B: 12, Weight: 0.35},
}

// DefaultNumCatCrosses plants I1×C23: the effect of the count I1 depends on
// the value of C23.
var DefaultNumCatCrosses = []NumCatCross{{Num: 0, Cat: 22, Weight: 0.4}}

func (c CTRConfig) withDefaults() CTRConfig {
	if c.Vocab == nil {
		c.Vocab = CriteoVocab
		if c.CatMissing == nil {
			c.CatMissing = criteoCatMissing
		}
	}
	if c.CatMissing == nil {
		c.CatMissing = make([]float64, len(c.Vocab))
	}
	if c.Numeric == 0 {
		c.Numeric = 13
		if c.NumMissing == nil {
			c.NumMissing = criteoNumMissing
		}
	}
	if c.NumMissing == nil {
		c.NumMissing = make([]float64, c.Numeric)
	}
	if c.Zipf == 0 {
		c.Zipf = 1.1
	}
	if c.BaseCTR == 0 {
		c.BaseCTR = 0.2
	}
	if c.FirstOrder == 0 {
		c.FirstOrder = 0.4
	}
	if c.Crosses == nil {
		c.Crosses = DefaultCrosses
	}
	if c.NumCatCrosses == nil {
		c.NumCatCrosses = DefaultNumCatCrosses
	}
	if c.CrossDim == 0 {
		c.CrossDim = 4
	}
	if c.CalibrationRows == 0 {
		c.CalibrationRows = 50000
	}
	return c
}

func (c CTRConfig) check() error {
	if len(c.Vocab) == 0 {
		return fmt.Errorf("synth: CTRConfig.Vocab is empty")
	}
	for j, v := range c.Vocab {
		if v < 1 {
			return fmt.Errorf("synth: CTRConfig.Vocab[%d] = %d, want at least 1", j, v)
		}
	}
	if len(c.CatMissing) != len(c.Vocab) {
		return fmt.Errorf("synth: CTRConfig.CatMissing has %d rates for %d categorical fields", len(c.CatMissing), len(c.Vocab))
	}
	if c.Numeric < 0 {
		return fmt.Errorf("synth: CTRConfig.Numeric = %d, want at least 0", c.Numeric)
	}
	if len(c.NumMissing) != c.Numeric {
		return fmt.Errorf("synth: CTRConfig.NumMissing has %d rates for %d numeric fields", len(c.NumMissing), c.Numeric)
	}
	for _, rates := range [][]float64{c.CatMissing, c.NumMissing} {
		for j, p := range rates {
			if !(p >= 0 && p < 1) {
				return fmt.Errorf("synth: CTRConfig missing rate %d = %v, want a probability in [0, 1)", j, p)
			}
		}
	}
	if !(c.BaseCTR > 0 && c.BaseCTR < 1) {
		return fmt.Errorf("synth: CTRConfig.BaseCTR = %v, want a probability in (0, 1)", c.BaseCTR)
	}
	if !(c.Zipf >= 0) || !(c.FirstOrder >= 0) {
		return fmt.Errorf("synth: CTRConfig.Zipf = %v and FirstOrder = %v, want both ≥ 0", c.Zipf, c.FirstOrder)
	}
	if c.CrossDim < 1 || c.CalibrationRows < 1 {
		return fmt.Errorf("synth: CTRConfig.CrossDim = %d and CalibrationRows = %d, want both ≥ 1", c.CrossDim, c.CalibrationRows)
	}
	for i, x := range c.Crosses {
		if x.A < 0 || x.A >= len(c.Vocab) || x.B < 0 || x.B >= len(c.Vocab) || x.A == x.B {
			return fmt.Errorf("synth: CTRConfig.Crosses[%d] pairs fields %d and %d, want two distinct fields below %d", i, x.A, x.B, len(c.Vocab))
		}
	}
	for i, x := range c.NumCatCrosses {
		if x.Num < 0 || x.Num >= c.Numeric || x.Cat < 0 || x.Cat >= len(c.Vocab) {
			return fmt.Errorf("synth: CTRConfig.NumCatCrosses[%d] pairs numeric %d with categorical %d, out of range", i, x.Num, x.Cat)
		}
	}
	return nil
}
