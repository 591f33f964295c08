package implicit

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// Ranker scores candidate items for one user. Score has the signature of
// train.ScoreFunc: it writes the score of items[i] into scores[i], higher
// ranking first. The trained models score with logits, not probabilities:
// σ is monotone, so the ranking is the same, and float32 σ saturates to
// exactly 1 for large logits, which would turn distinct scores into ties.
type Ranker interface {
	// Name is the model's name, as the command line spells it.
	Name() string
	// Score writes the scores of items for user into scores.
	Score(user int32, items []int32, scores []float32)
}

// Model is a ranker trained pointwise on (user, item, label) pairs with
// log loss. Forward and Backward run on batches of up to MaxBatch pairs and
// allocate nothing; Score batches the candidate items through the same
// layers.
type Model interface {
	Ranker
	// Forward returns the logits of the pairs (users[k], items[k]). The
	// slices must stay unchanged until Backward; the result is valid until
	// the next Forward or Score.
	Forward(users, items []int32) []float32
	// Backward accumulates the gradients of every table and parameter from
	// dL/dlogit of the last Forward (overwritten).
	Backward(dlogit []float32)
	// Params returns the dense parameters.
	Params() []*nn.Param
	// Tables returns the embedding tables.
	Tables() []*nn.Table
	// MaxBatch is the largest batch Forward accepts.
	MaxBatch() int
}

// Config sizes a model. Zero fields take the defaults noted.
type Config struct {
	// Users and Items are the numbers of ids (0-based, dense).
	Users, Items int
	// Factors is the embedding width of MF and GMF, and the width of the
	// MLP tower's last layer when Layers is nil (the "predictive factors"
	// of NCF). Default 8.
	Factors int
	// Layers are the MLP tower's widths, input first: the input is the
	// concatenation of a user and an item embedding of Layers[0]/2 values
	// each, and every later entry is a ReLU layer. Default
	// [8F, 4F, 2F, F] for F = Factors, NCF's 64→32→16→8 at F = 8.
	Layers []int
	// InitStd is the standard deviation of the N(0, InitStd²) embedding
	// initialization (NCF's 0.01). Default 0.01.
	InitStd float64
	// MaxBatch is the largest training batch. Default 256.
	MaxBatch int
	// Seed selects the initial weights.
	Seed uint64
}

// scoreChunk is how many candidate items Score pushes through the layers at
// once: large enough for efficient matrix products, small enough that the
// buffers stay in cache.
const scoreChunk = 1024

func (c Config) withDefaults() Config {
	if c.Factors == 0 {
		c.Factors = 8
	}
	if c.Layers == nil && c.Factors > 0 {
		f := c.Factors
		c.Layers = []int{8 * f, 4 * f, 2 * f, f}
	}
	c.Layers = append([]int(nil), c.Layers...)
	if c.InitStd == 0 {
		c.InitStd = 0.01
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 256
	}
	return c
}

// check validates the sizes a model needs; mlp says whether the MLP tower
// is part of it.
func (c Config) check(mlp bool) error {
	switch {
	case c.Users < 1 || c.Items < 1:
		return fmt.Errorf("implicit: %d users and %d items, want at least one of each", c.Users, c.Items)
	case c.Factors < 1:
		return fmt.Errorf("implicit: factors = %d, want ≥ 1", c.Factors)
	case !(c.InitStd > 0):
		return fmt.Errorf("implicit: init std = %v, want > 0", c.InitStd)
	case c.MaxBatch < 1:
		return fmt.Errorf("implicit: max batch = %d, want ≥ 1", c.MaxBatch)
	}
	if !mlp {
		return nil
	}
	if len(c.Layers) < 2 {
		return fmt.Errorf("implicit: MLP layers %v: want the input width and at least one hidden layer", c.Layers)
	}
	if c.Layers[0] < 2 || c.Layers[0]%2 != 0 {
		return fmt.Errorf("implicit: MLP input width %d: want an even number ≥ 2 (a user and an item embedding of half that)", c.Layers[0])
	}
	for i, w := range c.Layers[1:] {
		if w < 1 {
			return fmt.Errorf("implicit: MLP layer %d has width %d, want ≥ 1", i+1, w)
		}
	}
	return nil
}

// capacity is the batch the layers are built for: training batches and
// scoring chunks share the buffers.
func (c Config) capacity() int { return max(c.MaxBatch, scoreChunk) }

// newTable returns a rows×dim table drawn from N(0, std²).
func newTable(name string, rows, dim int, std float64, rng *rand.Rand) *nn.Table {
	t := nn.NewTable(name, rows, dim, false)
	t.InitNormal(std, rng)
	return t
}

// gatherRows copies row ids[k] of t into dst[k*t.Dim:] for every k.
func gatherRows(dst []float32, t *nn.Table, ids []int32) {
	dim, stride := t.Dim, t.Stride
	for k, id := range ids {
		o := int(id) * stride
		copy(dst[k*dim:k*dim+dim], t.Data[o:o+dim])
	}
}

// scatterGrads adds the rows of g (len(ids)×width, from column col on) to
// the sparse gradients of t's rows ids.
func scatterGrads(t *nn.Table, ids []int32, g []float32, width, col int) {
	dim := t.Dim
	for k, id := range ids {
		row := t.GradRow(id)
		src := g[k*width+col : k*width+col+dim]
		for d, v := range src {
			row[d] += v
		}
	}
}

// copyTable copies src's weights (not its optimizer state) into dst, of the
// same shape.
func copyTable(dst, src *nn.Table) {
	for r := range int32(src.Rows) {
		copy(dst.Row(r), src.Row(r))
	}
}

// configured is implemented by the package's models: Train checks that
// the interactions' ids lie in the id space a model was built for, where
// Forward would panic on them.
type configured interface{ config() Config }

func (m *MF) config() Config    { return m.cfg }
func (m *GMF) config() Config   { return m.cfg }
func (m *MLP) config() Config   { return m.cfg }
func (m *NeuMF) config() Config { return m.cfg }

// checkBatch panics on a batch the model was not built for: a programming
// error, as in nn.
func checkBatch(name string, users, items []int32, maxBatch int) int {
	n := len(users)
	if len(items) != n || n > maxBatch {
		panic(fmt.Sprintf("implicit: %s: %d users and %d items for a batch of at most %d", name, n, len(items), maxBatch))
	}
	return n
}
