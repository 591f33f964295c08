package nn

import (
	"math"
	"math/rand/v2"
)

// NewRand returns the deterministic generator recforge seeds every
// initialisation and sampling stream from.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// InitUniform fills w with values drawn uniformly from [-a, a).
func InitUniform(w []float32, a float64, rng *rand.Rand) {
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * a)
	}
}

// InitNormal fills w with values drawn from N(0, std²).
func InitNormal(w []float32, std float64, rng *rand.Rand) {
	for i := range w {
		w[i] = float32(rng.NormFloat64() * std)
	}
}

// InitGlorot fills w with the Glorot (Xavier) uniform initialisation for a
// layer with the given fan-in and fan-out.
func InitGlorot(w []float32, fanIn, fanOut int, rng *rand.Rand) {
	InitUniform(w, math.Sqrt(6/float64(fanIn+fanOut)), rng)
}
