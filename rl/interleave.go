package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Interleaver merges two rankings of the same candidates into one slate by
// probabilistic interleaving (Hofmann, Whiteson & de Rijke, CIKM'11): each
// ranking becomes a distribution over the candidates with P(c) ∝ 1/rank(c)^Tau;
// for every slate position a fair coin picks a ranking, and a candidate not
// placed yet is drawn from that ranking's distribution. The slate records which
// ranking contributed each position, so clicks can be credited. Because the
// coin is fair and independent of the candidates, each ranking contributes a
// position with probability ½ whatever the rankings are: with clicks that do
// not depend on the ranker, neither ranking wins in expectation.
type Interleaver struct {
	// Tau sharpens the rank distributions (Hofmann et al. use 3).
	Tau float64

	wa, wb []float64 // per-candidate weights of each ranking
	used   []bool
	pow    []float64 // 1/(r+1)^Tau by rank r
	powTau float64
}

// NewInterleaver returns an Interleaver with the given Tau (> 0).
func NewInterleaver(tau float64) (*Interleaver, error) {
	if !(tau > 0) || math.IsInf(tau, 0) {
		return nil, fmt.Errorf("rl: interleaving Tau = %v, want finite > 0", tau)
	}
	return &Interleaver{Tau: tau}, nil
}

func (il *Interleaver) grow(n int) {
	if len(il.wa) < n || il.powTau != il.Tau {
		c := max(n, 2*len(il.wa))
		il.wa, il.wb, il.used = make([]float64, c), make([]float64, c), make([]bool, c)
		il.pow = make([]float64, c)
		for r := range il.pow {
			il.pow[r] = math.Pow(float64(r+1), -il.Tau)
		}
		il.powTau = il.Tau
	}
}

// Interleave fills slate[:k] from rankings a and b, each a permutation of the
// candidate indices 0..n−1 best first, and sets from[i] to 0 when a
// contributed position i and 1 when b did. k must not exceed n; slate and from
// must hold k values. It allocates only when n exceeds every earlier n.
func (il *Interleaver) Interleave(a, b []int32, k int, rng *rand.Rand, slate []int32, from []int8) {
	n := len(a)
	if len(b) != n || k > n {
		panic(fmt.Sprintf("rl: Interleave: rankings of %d and %d candidates, slate of %d", n, len(b), k))
	}
	il.grow(n)
	wa, wb, used := il.wa[:n], il.wb[:n], il.used[:n]
	var sa, sb float64 // total weight of the candidates still free
	for r := 0; r < n; r++ {
		wa[a[r]] = il.pow[r]
		wb[b[r]] = il.pow[r]
		sa += il.pow[r]
		sb += il.pow[r]
		used[r] = false
	}
	for i := 0; i < k; i++ {
		w, s := wa, sa
		from[i] = 0
		if rng.IntN(2) == 1 {
			w, s, from[i] = wb, sb, 1
		}
		u := rng.Float64() * s
		pick := -1
		for c := 0; c < n; c++ {
			if used[c] {
				continue
			}
			pick = c // falls back to the last free candidate on rounding
			if u -= w[c]; u < 0 {
				break
			}
		}
		used[pick] = true
		sa -= wa[pick]
		sb -= wb[pick]
		slate[i] = int32(pick)
	}
}

// Credit counts the clicks on the positions each ranking contributed.
func Credit(from []int8, clicks []bool) (a, b int) {
	for i, c := range clicks {
		if c && i < len(from) {
			if from[i] == 0 {
				a++
			} else {
				b++
			}
		}
	}
	return a, b
}
