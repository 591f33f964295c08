package stepbench

import (
	"math/rand/v2"
)

// criteoCategorical are the vocabulary sizes of Criteo's 26 categorical
// fields (one day of the Kaggle set, values seen at least once), which span
// six orders of magnitude.
var criteoCategorical = []int{1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593,
	3194, 27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572}

// FieldSizes returns the 39 field vocabulary sizes of the benchmark: 13
// numeric fields bucketized into 64 buckets each and Criteo's 26 categorical
// fields with the largest capped so that the total is about one million rows,
// all multiplied by scale.
func FieldSizes(scale int) []int {
	const numericBuckets, capRows = 64, 123_000
	sizes := make([]int, 0, 39)
	for range 13 {
		sizes = append(sizes, numericBuckets*scale)
	}
	for _, s := range criteoCategorical {
		sizes = append(sizes, min(s, capRows)*scale)
	}
	return sizes
}

// Batch is one mini-batch of global embedding ids (batch×fields, row-major)
// and click labels.
type Batch struct {
	IDs    []int32
	Labels []float32
}

// MakeBatches draws count batches of ids with Zipf-distributed frequencies
// within each field, as real categorical logs have, and labels that depend
// on a few fields so that the loss is not constant. Ids are global: field f
// owns rows offsets[f] .. offsets[f]+sizes[f]-1 of one table of rows rows,
// and its values are drawn from the first drawn[f] of them (drawn = sizes
// for the natural workload; a smaller drawn keeps the same ids while the
// table grows).
func MakeBatches(sizes, drawn []int, batch, count int, seed uint64) (batches []Batch, rows int) {
	if len(drawn) != len(sizes) {
		panic("stepbench: sizes and drawn differ in length")
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	offsets := make([]int32, len(sizes))
	for f, s := range sizes {
		offsets[f] = int32(rows)
		rows += s
	}
	zipf := make([]*rand.Zipf, len(sizes))
	for f, s := range drawn {
		if s > sizes[f] {
			panic("stepbench: drawn exceeds the field size")
		}
		if s > 1 {
			zipf[f] = rand.NewZipf(rng, 1.1, 1, uint64(s-1))
		}
	}
	for range count {
		b := Batch{IDs: make([]int32, batch*len(sizes)), Labels: make([]float32, batch)}
		for i := range batch {
			score := 0
			for f := range sizes {
				var v uint64
				if zipf[f] != nil {
					v = zipf[f].Uint64()
				}
				b.IDs[i*len(sizes)+f] = offsets[f] + int32(v)
				if f%7 == 0 && v%2 == 0 {
					score++
				}
			}
			if rng.IntN(6) < score {
				b.Labels[i] = 1
			}
		}
		batches = append(batches, b)
	}
	return batches, rows
}
