package synth

import "math"

// alias draws an index from a fixed discrete distribution in constant time
// (Walker's alias method); Zipf vocabularies of 10^5 values are sampled
// 26 times per CTR row, where a binary search would dominate.
type alias struct {
	prob  []uint32 // threshold on a 32-bit uniform: keep the column below it
	other []int32
}

// newAlias builds the table of the distribution proportional to w.
func newAlias(w []float64) alias {
	n := len(w)
	var sum float64
	for _, x := range w {
		sum += x
	}
	scaled := make([]float64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, x := range w {
		scaled[i] = x * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	a := alias{prob: make([]uint32, n), other: make([]int32, n)}
	for i := range a.other {
		a.other[i] = int32(i)
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s] = threshold(scaled[s])
		a.other[s] = l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// Leftovers are 1 up to rounding: always keep them.
	for _, i := range large {
		a.prob[i] = math.MaxUint32
	}
	for _, i := range small {
		a.prob[i] = math.MaxUint32
	}
	return a
}

func threshold(p float64) uint32 {
	if p >= 1 {
		return math.MaxUint32
	}
	return uint32(p * (1 << 32))
}

// draw maps one 64-bit uniform to an index: the high half picks a column,
// the low half decides between it and its alias.
func (a *alias) draw(u uint64) int32 {
	col := int32((u >> 32) * uint64(len(a.prob)) >> 32)
	if uint32(u) < a.prob[col] {
		return col
	}
	return a.other[col]
}

// zipfWeights are the frequencies 1/(k+1)^s of ranks k = 0..n-1.
func zipfWeights(n int, s float64) []float64 {
	w := make([]float64, n)
	for k := range w {
		w[k] = math.Pow(float64(k+1), -s)
	}
	return w
}
