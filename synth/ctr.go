package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Streams of the seed: the world (weights, vocabularies), the calibration
// sample and the rows are independent, so calibrating never shifts the rows.
const (
	streamWorld = 0x776f726c64
	streamCalib = 0x63616c6962
	streamRows  = 0x726f7773
)

// CTR is a synthetic click log: a fixed world of feature weights drawn from
// the seed, and a click probability per row
//
//	p = σ(b + Σ_j w_j[c_j] + Σ_k β_k x̃_k + crosses),
//
// where c_j are the categorical values, x̃_k = (ln(1+x_k) − μ_k)/s_k the
// standardized log counts (0 when missing), and the crosses those of
// CTRConfig.Crosses and NumCatCrosses. The bias b is set so that the mean
// of p is BaseCTR. A CTR is safe for concurrent use; its streams are not.
type CTR struct {
	cfg      CTRConfig
	cats     []catField
	nums     []numField
	crosses  []crossTable
	numCross []numCrossTable
	bias     float64
	columns  []string
}

type catField struct {
	vocab  int
	sample alias     // over vocab+1 slots; slot vocab is "missing"
	w      []float64 // first-order weight per slot
	salt   uint32    // makes the field's tokens its own
}

type numField struct {
	mu, s, beta float64
	missing     uint64 // a uniform below it means missing
}

type crossTable struct {
	a, b  int
	scale float64
	u, v  []float64 // slot-major latent vectors, CrossDim per slot
}

type numCrossTable struct {
	num, cat int
	w, mean  float64
	c        []float64 // per slot of cat
}

// CTRRow is one generated example with its truth.
type CTRRow struct {
	// Label is the sampled click.
	Label bool
	// Num are the counts; Num[k] is meaningless where NumMissing[k].
	Num        []int64
	NumMissing []bool
	// Cat are the categorical values, 0 being the most frequent of the
	// field; -1 is missing.
	Cat []int32
	// Logit is the true log-odds of a click and P = σ(Logit).
	Logit, P float64
	// FirstOrderLogit is Logit without its cross terms: the bias and the
	// first-order effects alone.
	FirstOrderLogit float64
}

// NewCTR draws the world of cfg and calibrates its bias.
func NewCTR(cfg CTRConfig) (*CTR, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	g := &CTR{cfg: cfg}
	rng := rand.New(rand.NewPCG(cfg.Seed, streamWorld))
	slotP := make([][]float64, len(cfg.Vocab))
	for j, v := range cfg.Vocab {
		w := zipfWeights(v+1, cfg.Zipf)
		var z float64
		for _, x := range w[:v] {
			z += x
		}
		q := cfg.CatMissing[j]
		for k := range w[:v] {
			w[k] *= (1 - q) / z
		}
		w[v] = q
		slotP[j] = w
		f := catField{vocab: v, sample: newAlias(w), w: make([]float64, v+1), salt: rng.Uint32()}
		sd := cfg.FirstOrder * (0.2 + 0.8*rng.Float64())
		for k := range f.w {
			f.w[k] = sd * rng.NormFloat64()
		}
		g.cats = append(g.cats, f)
	}
	for k := range cfg.Numeric {
		g.nums = append(g.nums, numField{
			mu:      4 * rng.Float64(),
			s:       0.5 + rng.Float64(),
			beta:    cfg.FirstOrder / 2 * rng.NormFloat64(),
			missing: uint64(cfg.NumMissing[k] * (1 << 63) * 2),
		})
	}
	d := cfg.CrossDim
	for _, x := range cfg.Crosses {
		t := crossTable{a: x.A, b: x.B, scale: x.Weight / math.Sqrt(float64(d))}
		t.u = centredNormals(rng, slotP[x.A], d)
		t.v = centredNormals(rng, slotP[x.B], d)
		g.crosses = append(g.crosses, t)
	}
	for _, x := range cfg.NumCatCrosses {
		g.numCross = append(g.numCross, numCrossTable{
			num: x.Num, cat: x.Cat, w: x.Weight,
			c: centredNormals(rng, slotP[x.Cat], 1),
		})
	}
	g.calibrate()
	g.columns = append(g.columns, "label")
	for k := range cfg.Numeric {
		g.columns = append(g.columns, fmt.Sprintf("I%d", k+1))
	}
	for j := range cfg.Vocab {
		g.columns = append(g.columns, fmt.Sprintf("C%d", j+1))
	}
	return g, nil
}

// centredNormals draws d standard normals per slot and subtracts their mean
// under the slot distribution p, so that a cross built from them averages to
// zero over the other field: it carries no first-order effect.
func centredNormals(rng *rand.Rand, p []float64, d int) []float64 {
	x := make([]float64, len(p)*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	mean := make([]float64, d)
	for s, ps := range p {
		for k := range d {
			mean[k] += ps * x[s*d+k]
		}
	}
	for s := range p {
		for k := range d {
			x[s*d+k] -= mean[k]
		}
	}
	return x
}

// calibrate centres the numeric×categorical crosses and sets the bias so
// that the mean click probability of a sample drawn from its own stream is
// BaseCTR.
func (g *CTR) calibrate() {
	n := g.cfg.CalibrationRows
	s := g.stream(streamCalib)
	row := g.NewRow()
	sums := make([]float64, len(g.numCross))
	logits := make([]float64, n)
	// First pass: the mean standardized count of each crossed numeric.
	for range n {
		s.draw(&row)
		for i, t := range g.numCross {
			sums[i] += g.standardized(t.num, &row)
		}
	}
	for i := range g.numCross {
		g.numCross[i].mean = sums[i] / float64(n)
	}
	// Second pass, same rows: logits without bias, then bisect the bias.
	s = g.stream(streamCalib)
	for i := range n {
		s.draw(&row)
		logits[i] = row.Logit
	}
	lo, hi := -30.0, 30.0
	for range 60 {
		mid := (lo + hi) / 2
		var sum float64
		for _, l := range logits {
			sum += sigmoid(mid + l)
		}
		if sum/float64(n) < g.cfg.BaseCTR {
			lo = mid
		} else {
			hi = mid
		}
	}
	g.bias = (lo + hi) / 2
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// standardized is x̃ of numeric field k in row, 0 when missing.
func (g *CTR) standardized(k int, row *CTRRow) float64 {
	if row.NumMissing[k] {
		return 0
	}
	f := &g.nums[k]
	return (math.Log1p(float64(row.Num[k])) - f.mu) / f.s
}

// Config is the configuration the generator runs with, defaults filled in.
func (g *CTR) Config() CTRConfig { return g.cfg }

// Bias is the calibrated intercept b of the logit.
func (g *CTR) Bias() float64 { return g.bias }

// Columns names the raw columns: label, I1..In, C1..Cm, as in Criteo.
func (g *CTR) Columns() []string { return g.columns }

// NewRow returns a row with room for the generator's fields.
func (g *CTR) NewRow() CTRRow {
	return CTRRow{
		Num:        make([]int64, len(g.nums)),
		NumMissing: make([]bool, len(g.nums)),
		Cat:        make([]int32, len(g.cats)),
	}
}

// CTRStream yields the rows of a CTR in order. Row i depends only on the
// seed and i.
type CTRStream struct {
	g   *CTR
	rng *rand.Rand
	d   rowDraws
}

// Stream returns a stream positioned at the first row.
func (g *CTR) Stream() *CTRStream {
	return g.stream(streamRows)
}

// stream returns a stream of the seed's stream id.
func (g *CTR) stream(id uint64) *CTRStream {
	return &CTRStream{g: g, rng: rand.New(rand.NewPCG(g.cfg.Seed, id)), d: g.newDraws(1)}
}

// Next overwrites row (made by NewRow) with the next row.
func (s *CTRStream) Next(row *CTRRow) {
	s.draw(row)
	s.g.finish(row, s.rng.Float64())
}

// draw fills row's features and its logit without bias.
func (s *CTRStream) draw(row *CTRRow) {
	s.drawRandom(s.d)
	s.g.compute(s.d, row)
}

// rowDraws are the random numbers behind the features of rows, in the
// order a stream draws them: drawing them is the only part of making a
// row that must follow the rows' order, so a block of rows can be drawn
// in order and computed on any goroutine (ctrBlock). Each slice holds one
// entry per field for each row, row after row.
type rowDraws struct {
	miss []bool    // per numeric field: its value is missing
	z    []float64 // per numeric field: the standard normal of its log count
	cat  []uint64  // per categorical field: the uniform its value is drawn with
}

// newDraws returns room for n rows' draws.
func (g *CTR) newDraws(n int) rowDraws {
	return rowDraws{miss: make([]bool, n*len(g.nums)), z: make([]float64, n*len(g.nums)), cat: make([]uint64, n*len(g.cats))}
}

// row returns row i's draws in d.
func (g *CTR) row(d rowDraws, i int) rowDraws {
	nn, nc := len(g.nums), len(g.cats)
	return rowDraws{miss: d.miss[i*nn : (i+1)*nn], z: d.z[i*nn : (i+1)*nn], cat: d.cat[i*nc : (i+1)*nc]}
}

// drawRandom draws one row's random numbers into d.
func (s *CTRStream) drawRandom(d rowDraws) {
	rng := s.rng
	for k := range s.g.nums {
		d.miss[k] = rng.Uint64() < s.g.nums[k].missing
		d.z[k] = rng.NormFloat64()
	}
	for j := range d.cat {
		d.cat[j] = rng.Uint64()
	}
}

// compute fills row's features and its logit without bias from its draws.
func (g *CTR) compute(d rowDraws, row *CTRRow) {
	var first float64
	for k := range g.nums {
		f := &g.nums[k]
		row.NumMissing[k] = d.miss[k]
		if row.NumMissing[k] {
			row.Num[k] = 0
			continue
		}
		x := math.Floor(math.Exp(f.mu + f.s*d.z[k]))
		row.Num[k] = int64(min(x, 1e15))
		first += f.beta * g.standardized(k, row)
	}
	for j := range g.cats {
		f := &g.cats[j]
		slot := f.sample.draw(d.cat[j])
		first += f.w[slot]
		if int(slot) == f.vocab {
			slot = -1
		}
		row.Cat[j] = slot
	}
	cross := 0.0
	for i := range g.crosses {
		t := &g.crosses[i]
		a, b := g.slot(t.a, row), g.slot(t.b, row)
		d := g.cfg.CrossDim
		u, v := t.u[a*d:a*d+d], t.v[b*d:b*d+d]
		var dot float64
		for k := range u {
			dot += u[k] * v[k]
		}
		cross += t.scale * dot
	}
	for i := range g.numCross {
		t := &g.numCross[i]
		cross += t.w * (g.standardized(t.num, row) - t.mean) * t.c[g.slot(t.cat, row)]
	}
	row.FirstOrderLogit = first
	row.Logit = first + cross
}

// finish adds the bias to a computed row and samples its click with the
// uniform u.
func (g *CTR) finish(row *CTRRow, u float64) {
	row.Logit += g.bias
	row.FirstOrderLogit += g.bias
	row.P = sigmoid(row.Logit)
	row.Label = u < row.P
}

// slot is the table index of field j's value in row: missing is the last.
func (g *CTR) slot(j int, row *CTRRow) int {
	if row.Cat[j] < 0 {
		return g.cats[j].vocab
	}
	return int(row.Cat[j])
}

// Token is the 8-hex-digit raw token of value v of categorical field j, as
// written in files. Within a field distinct values have distinct tokens (a
// bijective 32-bit mix), and the token hides the value's frequency rank.
func (g *CTR) Token(j int, v int32) string {
	return string(appendToken(nil, g.cats[j].salt, v))
}

func appendToken(dst []byte, salt uint32, v int32) []byte {
	h := fmix32(uint32(v) ^ salt)
	const hex = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hex[h>>uint(shift)&15])
	}
	return dst
}

// fmix32 is MurmurHash3's finalizer, a bijection on 32-bit words.
func fmix32(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
