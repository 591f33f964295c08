package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// stackedInput is the input layer shared by Deep Crossing, Wide&Deep and
// DCN: the embeddings of the categorical fields concatenated with the raw
// values of the plain numeric fields, which skip embedding (Deep Crossing's
// "stacking"; Wide&Deep's and DCN's x0 = concat(embeddings, numeric)).
//
// A row of the output is laid out as the C categorical embeddings in slot
// order (C·k floats) followed by the N numeric values in slot order, so its
// width is C·k + N. A padded categorical id embeds to zero; a numeric slot
// whose id is the padding id 0 contributes 0.
type stackedInput struct {
	// table holds the categorical embeddings (nil when there is no
	// categorical field); dim is its width.
	table *nn.Table
	emb   *nn.FieldEmbedding
	dim   int
	// width is C·k + N.
	width int
	// cat and num are the slot indices of the categorical and numeric
	// fields; slots is the number of slots of a Batch row.
	cat, num []int
	slots    int
	n        int // the last forward's batch size

	ids  []int32   // n×C gathered categorical ids (unused when N = 0)
	vals []float32 // n×C gathered categorical values
	x    []float32 // n×width, the output (unused when N = 0)
	de   []float32 // n×C×k, the embedding gradient (unused when N = 0)
}

// newStackedInput builds the input layer over env's slots with a table named
// name (one width for every categorical field: embeddingDim, or the schema's
// when 0), its rows drawn from N(0, initStd²) by rng.
func newStackedInput(name string, env Env, embeddingDim int, initStd float64, rng *rand.Rand) (*stackedInput, error) {
	l, maxBatch := env.Layout, env.MaxBatch
	if len(l.Slots) == 0 {
		return nil, fmt.Errorf("the schema has no categorical or numeric field")
	}
	if err := cfgInitStd(initStd); err != nil {
		return nil, err
	}
	s := &stackedInput{slots: len(l.Slots)}
	var cats []Slot
	for i, sl := range l.Slots {
		if sl.Numeric {
			s.num = append(s.num, i)
		} else {
			s.cat = append(s.cat, i)
			cats = append(cats, sl)
		}
	}
	if len(s.cat) > 0 {
		// Only the categorical fields are embedded, so only their widths
		// have to agree.
		dim, err := Layout{Slots: cats, Tables: l.Tables}.Dim(embeddingDim)
		if err != nil {
			return nil, err
		}
		s.dim = dim
		s.table = env.table(name, l.Rows, dim, true)
		s.table.InitNormal(initStd, rng)
		s.emb = nn.NewFieldEmbedding(s.table, len(s.cat), maxBatch)
	} else if embeddingDim < 0 {
		return nil, fmt.Errorf("embedding_dim = %d, want ≥ 0", embeddingDim)
	}
	s.width = len(s.cat)*s.dim + len(s.num)
	if len(s.num) > 0 {
		c := len(s.cat)
		s.ids = make([]int32, maxBatch*c)
		s.vals = make([]float32, maxBatch*c)
		s.x = make([]float32, maxBatch*s.width)
		s.de = make([]float32, maxBatch*c*s.dim)
	}
	return s, nil
}

// forward returns the n×width stacked input of b. The slice is owned by the
// layer and valid until the next forward.
func (s *stackedInput) forward(b *Batch) []float32 {
	n, f := b.N, s.slots
	s.n = n
	if len(s.num) == 0 {
		// Every slot is categorical: the embeddings are the stack.
		return s.emb.Forward(b.IDs, b.Values, n)
	}
	c, k, w := len(s.cat), s.dim, s.width
	var e []float32
	if c > 0 {
		ids := s.ids[:n*c]
		var vals []float32
		if b.Values != nil {
			vals = s.vals[:n*c]
		}
		for i := range n {
			for j, slot := range s.cat {
				ids[i*c+j] = b.IDs[i*f+slot]
				if vals != nil {
					vals[i*c+j] = b.Values[i*f+slot]
				}
			}
		}
		e = s.emb.Forward(ids, vals, n)
	}
	x := s.x[:n*w]
	for i := range n {
		row := x[i*w : (i+1)*w]
		copy(row[:c*k], e[i*c*k:(i+1)*c*k])
		for j, slot := range s.num {
			v := float32(0)
			if b.IDs[i*f+slot] != 0 {
				v = b.Values[i*f+slot]
			}
			row[c*k+j] = v
		}
	}
	return x
}

// backward accumulates the embedding gradients from dx (n×width, the
// gradient of the last forward's output); the numeric values are data and
// get none.
func (s *stackedInput) backward(dx []float32) {
	if s.emb == nil {
		return
	}
	if len(s.num) == 0 {
		s.emb.Backward(dx)
		return
	}
	ck, w, n := len(s.cat)*s.dim, s.width, s.n
	de := s.de[:n*ck]
	for i := range n {
		copy(de[i*ck:(i+1)*ck], dx[i*w:i*w+ck])
	}
	s.emb.Backward(de)
}

// partTables lists the embedding table with per-batch L2 λ, or nothing
// when there is no categorical field.
func (s *stackedInput) partTables(l2 float64) []PartTable {
	if s.table == nil {
		return nil
	}
	return []PartTable{{Table: s.table, Reg: tableL2(l2)}}
}

// addFloats adds src to dst element-wise.
func addFloats(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
