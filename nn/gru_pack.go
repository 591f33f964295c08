package nn

import "fmt"

// seqPack orders a batch's rows by decreasing sequence length (ties by row
// index, so the order is deterministic). The rows still running at step t are
// then a prefix of that order: each step's recurrent SGEMM covers only live
// rows, and one step's hidden states are contiguous, as in cuDNN's packed
// sequences. It is rebuilt by every Forward without allocating.
type seqPack struct {
	perm   []int // perm[p] is the batch row at packed position p
	pos    []int // pos[i] is the packed position of batch row i
	active []int // active[t] counts the rows with length > t
	off    []int // off[t] = Σ_{s<t} active[s]: where step t's rows start
	count  []int // counting-sort scratch, one slot per length 0…maxLen
}

func newSeqPack(maxBatch, maxLen int) seqPack {
	return seqPack{
		perm:   make([]int, maxBatch),
		pos:    make([]int, maxBatch),
		active: make([]int, maxLen),
		off:    make([]int, maxLen+1),
		count:  make([]int, maxLen+1),
	}
}

// build packs n rows of at most steps steps with the given (checked) lengths.
func (s *seqPack) build(lens []int32, n, steps int) {
	cnt := s.count[:steps+1]
	clear(cnt)
	for _, l := range lens[:n] {
		cnt[l]++
	}
	// Turn counts into start positions, longest lengths first: rows of
	// length l start after all rows longer than l, which are exactly the
	// rows still active at step l.
	acc := 0
	for l := steps; l >= 0; l-- {
		c := cnt[l]
		cnt[l] = acc
		acc += c
	}
	for t := 0; t < steps; t++ {
		s.active[t] = cnt[t]
		s.off[t+1] = s.off[t] + cnt[t]
	}
	for i, l := range lens[:n] {
		p := cnt[l]
		cnt[l]++
		s.perm[p] = i
		s.pos[i] = p
	}
}

// checkSeqLens panics unless lens holds n lengths in [0, steps]: a length
// outside that range is a programming error that would otherwise read
// another row's steps.
func checkSeqLens(layer string, lens []int32, n, steps int) {
	if len(lens) < n {
		panic(fmt.Sprintf("nn: %s: %d lengths for a batch of %d", layer, len(lens), n))
	}
	for i, l := range lens[:n] {
		if l < 0 || int(l) > steps {
			panic(fmt.Sprintf("nn: %s: lens[%d] = %d outside [0, %d]", layer, i, l, steps))
		}
	}
}

// checkSeqBatch panics unless a batch of n rows of steps steps fits buffers
// built for maxBatch rows of maxLen steps.
func checkSeqBatch(layer string, n, steps, maxBatch, maxLen int) {
	if n < 0 || n > maxBatch {
		panic(fmt.Sprintf("nn: %s: batch %d outside [0, %d]", layer, n, maxBatch))
	}
	if steps < 0 || steps > maxLen {
		panic(fmt.Sprintf("nn: %s: %d steps outside [0, %d]", layer, steps, maxLen))
	}
}

// checkSeqSlice panics unless s holds at least want floats.
func checkSeqSlice(layer, what string, s []float32, want int) {
	if len(s) < want {
		panic(fmt.Sprintf("nn: %s: %s has %d values, need %d", layer, what, len(s), want))
	}
}
