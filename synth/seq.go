package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// SeqConfig describes synthetic behaviour sequences for DIN/DIEN-style
// models. Zero fields take the documented defaults.
type SeqConfig struct {
	// Seed selects the world and the examples.
	Seed uint64
	// Users, Items and Categories size the id spaces. Defaults 2000,
	// 5000, 50.
	Users, Items, Categories int
	// PerUser is the number of examples per user. Default 4.
	PerUser int
	// MinHistory and MaxHistory bound the history length, drawn
	// uniformly. Defaults 5 and 30; MinHistory must be at least Recent.
	MinHistory, MaxHistory int
	// Recent is how many of the latest behaviours drive the click; the
	// older ones are distractors. Default 3.
	Recent int
	// Dim is the dimension of the item embeddings. Default 8.
	Dim int
	// Strength multiplies the candidate's mean cosine similarity to the
	// recent behaviours in the logit. Default 4.
	Strength float64
	// BaseCTR is the target mean click probability. Default 0.3.
	BaseCTR float64
}

func (c SeqConfig) withDefaults() SeqConfig {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Users, 2000)
	def(&c.Items, 5000)
	def(&c.Categories, 50)
	def(&c.PerUser, 4)
	def(&c.MinHistory, 5)
	def(&c.MaxHistory, 30)
	def(&c.Recent, 3)
	def(&c.Dim, 8)
	if c.Strength == 0 {
		c.Strength = 4
	}
	if c.BaseCTR == 0 {
		c.BaseCTR = 0.3
	}
	return c
}

func (c SeqConfig) check() error {
	switch {
	case c.Users < 1 || c.Items < 1 || c.Categories < 1 || c.PerUser < 1 || c.Dim < 1:
		return fmt.Errorf("synth: SeqConfig sizes must be positive: %d users, %d items, %d categories, %d per user, dim %d",
			c.Users, c.Items, c.Categories, c.PerUser, c.Dim)
	case c.Recent < 1 || c.MinHistory < c.Recent || c.MaxHistory < c.MinHistory:
		return fmt.Errorf("synth: SeqConfig wants 1 ≤ Recent (%d) ≤ MinHistory (%d) ≤ MaxHistory (%d)", c.Recent, c.MinHistory, c.MaxHistory)
	case !(c.BaseCTR > 0 && c.BaseCTR < 1):
		return fmt.Errorf("synth: SeqConfig.BaseCTR = %v, want a probability in (0, 1)", c.BaseCTR)
	}
	return nil
}

// Seq is a world of items and the click model
//
//	p = σ(b + Strength · mean_{h ∈ last Recent} cos(e_cand, e_h)),
//
// where item embeddings e cluster around their category's centroid. Only
// the last Recent behaviours enter p; the older history, drawn from the
// user's other interests, is a distractor that a model must learn to
// ignore. b is set so that the mean of p over the examples is BaseCTR.
type Seq struct {
	cfg   SeqConfig
	cat   []int32   // category of each item
	emb   []float64 // unit item embeddings, Dim per item
	byCat [][]int32 // items of each category
	pop   alias     // item popularity
	bias  float64
	ex    []SeqExample
}

// SeqExample is one (user, history, candidate) example with its truth.
type SeqExample struct {
	Label bool
	User  int32
	// Item and Cat are the candidate and its category.
	Item, Cat int32
	// HistItems are the user's behaviours, oldest first; HistCats their
	// categories.
	HistItems, HistCats []int32
	// P is the true click probability.
	P float64
}

// NewSeq draws the world of cfg.
func NewSeq(cfg SeqConfig) (*Seq, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, streamWorld))
	d := cfg.Dim
	cent := make([]float64, cfg.Categories*d)
	for i := range cent {
		cent[i] = rng.NormFloat64()
	}
	catPick := newAlias(zipfWeights(cfg.Categories, 0.7))
	g := &Seq{cfg: cfg, cat: make([]int32, cfg.Items), emb: make([]float64, cfg.Items*d), byCat: make([][]int32, cfg.Categories)}
	for i := range cfg.Items {
		c := catPick.draw(rng.Uint64())
		g.cat[i] = c
		g.byCat[c] = append(g.byCat[c], int32(i))
		e := g.emb[i*d : i*d+d]
		var norm float64
		for k := range e {
			e[k] = cent[int(c)*d+k] + 0.6*rng.NormFloat64()
			norm += e[k] * e[k]
		}
		for k := range e {
			e[k] /= math.Sqrt(norm)
		}
	}
	g.pop = newAlias(zipfWeights(cfg.Items, 0.8))
	g.ex = g.generate()
	return g, nil
}

// Config is the configuration the generator runs with, defaults filled in.
func (g *Seq) Config() SeqConfig { return g.cfg }

// Category is the category of item i.
func (g *Seq) Category(i int32) int32 { return g.cat[i] }

// Logit is the click log-odds of cand after hist (oldest first) before the
// bias: Strength times the mean cosine similarity of cand to the last
// Recent items of hist. It reads nothing older.
func (g *Seq) Logit(cand int32, hist []int32) float64 {
	d := g.cfg.Dim
	recent := hist[max(0, len(hist)-g.cfg.Recent):]
	if len(recent) == 0 {
		return 0
	}
	c := g.emb[int(cand)*d : int(cand)*d+d]
	var sim float64
	for _, h := range recent {
		e := g.emb[int(h)*d : int(h)*d+d]
		for k := range c {
			sim += c[k] * e[k]
		}
	}
	return g.cfg.Strength * sim / float64(len(recent))
}

// Examples are the PerUser examples of each user, users in order. A user's
// history mixes three old interests (categories) and ends with Recent
// behaviours in one current interest; half the candidates come from the
// category of the latest behaviour, half from overall popularity. The
// examples of one user share their history slices: do not modify them.
func (g *Seq) Examples() []SeqExample { return g.ex }

// generate draws the examples and calibrates the bias on them.
func (g *Seq) generate() []SeqExample {
	cfg := g.cfg
	rng := rand.New(rand.NewPCG(cfg.Seed, streamRows))
	var out []SeqExample
	var logits []float64
	for u := range cfg.Users {
		n := cfg.MinHistory + rng.IntN(cfg.MaxHistory-cfg.MinHistory+1)
		interests := [3]int32{}
		for k := range interests {
			interests[k] = g.cat[g.pop.draw(rng.Uint64())]
		}
		current := g.cat[g.pop.draw(rng.Uint64())]
		hist := make([]int32, n)
		for k := range hist {
			c := interests[rng.IntN(len(interests))]
			if k >= n-cfg.Recent {
				c = current
			}
			if rng.IntN(5) == 0 { // some noise in every interest
				hist[k] = g.pop.draw(rng.Uint64())
			} else {
				items := g.byCat[c]
				hist[k] = items[rng.IntN(len(items))]
			}
		}
		cats := make([]int32, n)
		for k, h := range hist {
			cats[k] = g.cat[h]
		}
		for range cfg.PerUser {
			var cand int32
			if rng.IntN(2) == 0 {
				items := g.byCat[g.cat[hist[n-1]]]
				cand = items[rng.IntN(len(items))]
			} else {
				cand = g.pop.draw(rng.Uint64())
			}
			out = append(out, SeqExample{User: int32(u), Item: cand, Cat: g.cat[cand], HistItems: hist, HistCats: cats})
			logits = append(logits, g.Logit(cand, hist))
		}
	}
	g.bias = calibrateBias(logits, cfg.BaseCTR)
	for i := range out {
		out[i].P = sigmoid(g.bias + logits[i])
		out[i].Label = rng.Float64() < out[i].P
	}
	return out
}

// Prob is the true click probability of cand after hist (oldest first).
func (g *Seq) Prob(cand int32, hist []int32) float64 {
	return sigmoid(g.bias + g.Logit(cand, hist))
}

// calibrateBias bisects the b for which the mean of σ(b + logit) is target.
func calibrateBias(logits []float64, target float64) float64 {
	lo, hi := -30.0, 30.0
	for range 60 {
		mid := (lo + hi) / 2
		var sum float64
		for _, l := range logits {
			sum += sigmoid(mid + l)
		}
		if sum/float64(len(logits)) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// SeqOracleAUC is the AUC of the examples' true probabilities against
// their labels: the best a model can expect on them.
func SeqOracleAUC(examples []SeqExample) (float64, error) {
	p := make([]float64, len(examples))
	y := make([]bool, len(examples))
	for i, e := range examples {
		p[i], y[i] = e.P, e.Label
	}
	return auc(p, y)
}

// SeqHeader is the header line of the sequence text format.
const SeqHeader = "label\tuser\titem\tcategory\thist_items\thist_categories"

// WriteSeqTSV writes examples in the sequence text format: the SeqHeader
// line, then one example per line, TAB-separated — label (0/1), user,
// candidate item, candidate category, the history's items and the
// history's categories, each list oldest first and separated by '|'. Ids
// are the 0-based ids of the structs. A generic TSV reader with a schema
// declaring the two lists as sequences with separator '|' reads it.
func WriteSeqTSV(w io.Writer, examples []SeqExample) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	line := append([]byte(SeqHeader), '\n')
	for _, e := range examples {
		if _, err := bw.Write(line); err != nil {
			return err
		}
		line = line[:0]
		if e.Label {
			line = append(line, '1')
		} else {
			line = append(line, '0')
		}
		for _, id := range [3]int32{e.User, e.Item, e.Cat} {
			line = append(line, '\t')
			line = strconv.AppendInt(line, int64(id), 10)
		}
		for _, list := range [2][]int32{e.HistItems, e.HistCats} {
			line = append(line, '\t')
			for k, id := range list {
				if k > 0 {
					line = append(line, '|')
				}
				line = strconv.AppendInt(line, int64(id), 10)
			}
		}
		line = append(line, '\n')
	}
	if _, err := bw.Write(line); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteSeqTSVFile writes examples to path with WriteSeqTSV, gzipped when
// path ends in ".gz".
func WriteSeqTSVFile(path string, examples []SeqExample) error {
	return writeFile(path, func(w io.Writer) error { return WriteSeqTSV(w, examples) })
}
