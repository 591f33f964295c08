package model

import (
	"fmt"
	"iter"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/tune"
)

// AutoRec is the autoencoder of Sedhain et al. (WWW'15;
// docs/models/autorec.md), item-based (autorec-i) or user-based (autorec-u).
// Each input vector r ∈ R^d holds one item's ratings by all training users
// (I-AutoRec) or one user's ratings of all items (U-AutoRec), 0 where
// unobserved, and is reconstructed as
//
//	h(r) = f(W·g(V r + μ) + b),  V: k×d, W: d×k,
//
// minimizing, over the training vectors,
//
//	Σ_r Σ_{observed j} (r_j − h(r)_j)² + (λ/2)(‖W‖²_F + ‖V‖²_F)
//
// (μ and b are not penalized). The prediction for user u and item i is
// R̂_ui = h(r^(i))_u for I-AutoRec, h(r^(u))_i for U-AutoRec, with r^(·)
// the training vector. With Layers, g(V r + μ) becomes a stack of hidden
// layers, each g(W_l·x + b_l), and every weight matrix is penalized (the
// paper's deep I-AutoRec: 500, 250, 500).
//
// The training vectors are the model's state: FitData stores the training
// ratings as a buffer (rows × cols, rows the vectors, 0 where unrated), so
// that an artifact predicts from them. A training example is
// a vector: the model groups the training rows by the vector's id
// (RowGrouper), so a batch holds every observed rating of its vectors, and
// Forward returns the reconstruction at each row's rating. Its loss
// (Objective) is the squared error summed over the batch's rows plus the
// batch's share (vectors in the batch / vectors with ratings) of the
// penalty, so that an epoch sums to the objective above; Backward adds the
// penalty's gradient. On shards (train.Stepper.Shard) each shard holds
// whole vectors and counts its own, so the shards' shares add up to the
// batch's. The part trains with Adam at LR by default, or with
// the paper's full-batch methods: "lbfgs" (optim.LBFGS) or "rprop"
// (iRprop−, first step RpropStep). V and W start Glorot-uniform, μ at 0,
// b at the training mean when f is the identity (else 0).
//
// Storage: the weight matrices are nn.Dense's, V as d×k and W as k×d, so
// that a batch of n vectors X (n×d) goes through X·V and H·W as plain
// row-major SGEMMs.
//
// Fallback: an unseen user or item (or one without training ratings) has
// no input vector or no output unit, and gets the training mean, as in the
// paper. Predictions are clipped to the training range. In inference a
// reconstructed vector is kept until SetTraining is called again, so that
// scoring many ratings of one item reconstructs it once.
type AutoRec struct {
	cfg        AutoRecConfig
	userBased  bool
	user, item idField
	vec, col   idField // the field whose id picks a vector, and the other
	stats      ratingStats
	// x holds the training vectors (rows × cols).
	x          *nn.Param
	layers     []*nn.Dense
	training   bool
	rows, cols int
	maxBatch   int

	// The last Forward: each row's column, −1 for a row without an output,
	// and its vector's slot in xb (in inference: the vector, to read the
	// cache); the vectors gathered into xb, and each vector's slot.
	slotOf, colOf []int32
	vecSlot       []int32 // per vector: its slot in xb, −1 if none
	vecs          []int32 // per slot: its vector
	xb, do        []float32
	out           []float32
	share         float64 // the last training Forward's share of the penalty
	// The inference cache: reconstructed vectors.
	recon []float32
	done  []bool
}

// AutoRecConfig holds AutoRec's hyper-parameters; the defaults were chosen
// on the validation parts of ML-100K's .base files (rating/doc.go).
type AutoRecConfig struct {
	// Hidden is the hidden layer size k (default 500, the paper's).
	Hidden int `json:"hidden"`
	// Layers, when set, replaces the one hidden layer by a stack of hidden
	// layers of these sizes.
	Layers []int `json:"layers,omitempty"`
	// Lambda is λ of the penalty (λ/2)Σ‖W‖², on the scale of the data
	// term, a sum over all training ratings (default 250 for autorec-i,
	// 300 for autorec-u).
	Lambda float64 `json:"lambda"`
	// HiddenAct is g and OutputAct is f: "sigmoid", "identity", "relu" or
	// "tanh" (defaults sigmoid and identity, the paper's).
	HiddenAct string `json:"hidden_act"`
	OutputAct string `json:"output_act"`
	// Optimizer is the part's default optimizer: "adam" (minibatch,
	// default), "lbfgs" or "rprop" (full batch: the trainer's batch must
	// hold every vector).
	Optimizer string `json:"optimizer"`
	// LR is Adam's learning rate (default 3e-4); RpropStep iRprop−'s first
	// step Δ0 (default 0.001).
	LR        float64 `json:"lr"`
	RpropStep float64 `json:"rprop_step"`
}

func init() {
	for _, v := range []struct {
		name, summary string
		userBased     bool
		lambda        float64
	}{
		{"autorec-i", "I-AutoRec: an autoencoder reconstructs each item's vector of ratings", false, 250},
		{"autorec-u", "U-AutoRec: an autoencoder reconstructs each user's vector of ratings", true, 300},
	} {
		Register(Info{
			Name:     v.name,
			Task:     TaskRating,
			Summary:  v.summary,
			Citation: "Sedhain et al., AutoRec: Autoencoders Meet Collaborative Filtering, WWW 2015",
			Config: func() any {
				return &AutoRecConfig{Hidden: 500, Lambda: v.lambda, HiddenAct: "sigmoid", OutputAct: "identity", Optimizer: "adam", LR: 3e-4, RpropStep: 0.001}
			},
			New: func(env Env, cfg any) (Model, error) {
				return NewAutoRec(env, *cfg.(*AutoRecConfig), v.userBased)
			},
			Footprint: func(env Env, cfg any) Footprint { return footprintAutoRec(env, *cfg.(*AutoRecConfig), v.userBased) },
			// Adam's rate (the model's own) and λ, which the paper tuned.
			Space: tune.Space{tune.LogUniform("lr", 1e-4, 3e-3), tune.LogUniform("lambda", 1, 1000), tune.OneOf("hidden", 250, 500)},
		})
	}
}

// autoRecActivation returns the activation named by option's value.
func autoRecActivation(option, name string) (nn.Activation, error) {
	return cfgChoice(option, name, []string{"identity", "none", "sigmoid", "relu", "tanh"},
		[]nn.Activation{nn.ActNone, nn.ActNone, nn.ActSigmoid, nn.ActReLU, nn.ActTanh})
}

func (c AutoRecConfig) widths() []int {
	if len(c.Layers) > 0 {
		return c.Layers
	}
	return []int{c.Hidden}
}

// optimizer is the part's default optimizer.
func (c AutoRecConfig) optimizer() optim.Spec {
	switch c.Optimizer {
	case "lbfgs":
		return optim.Spec{Rule: "lbfgs", LR: 1}
	case "rprop":
		return optim.Spec{Rule: "rprop", LR: c.RpropStep}
	}
	return optim.Spec{Rule: c.Optimizer, LR: c.LR}
}

func (c AutoRecConfig) check() error {
	_, errG := autoRecActivation("hidden_act", c.HiddenAct)
	_, errF := autoRecActivation("output_act", c.OutputAct)
	_, errO := cfgChoice("optimizer", c.Optimizer, []string{"adam", "lbfgs", "rprop"}, []string{"adam", "lbfgs", "rprop"})
	for _, e := range []error{errG, errF, errO, cfgAtLeast("hidden", c.Hidden, 1), cfgWidths("layers", c.Layers, 0), cfgNonNegative("lambda", c.Lambda)} {
		if e != nil {
			return e
		}
	}
	if _, err := c.optimizer().NewRule(); err != nil {
		return err
	}
	return nil
}

// autoRecShape returns the user and item fields, the vector and column
// fields, and the layer sizes from input to output.
func autoRecShape(l Layout, c AutoRecConfig, userBased bool) (user, item, vec, col idField, sizes []int, err error) {
	user, item, err = ratingFields(l)
	if err != nil {
		return
	}
	vec, col = item, user
	if userBased {
		vec, col = user, item
	}
	sizes = append(append([]int{col.n}, c.widths()...), col.n)
	return
}

// NewAutoRec builds AutoRec over a (user, item) layout: item-based, or
// user-based when userBased is set.
func NewAutoRec(env Env, cfg AutoRecConfig, userBased bool) (*AutoRec, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	user, item, vec, col, sizes, err := autoRecShape(env.Layout, cfg, userBased)
	if err != nil {
		return nil, err
	}
	g, _ := autoRecActivation("hidden_act", cfg.HiddenAct)
	f, _ := autoRecActivation("output_act", cfg.OutputAct)
	rows, cols, n := vec.n, col.n, env.MaxBatch
	m := &AutoRec{
		cfg: cfg, userBased: userBased, user: user, item: item, vec: vec, col: col,
		stats: newRatingStats("autorec", user.n, item.n),
		x:     &nn.Param{Name: "autorec.ratings", Shape: []int{rows, cols}, W: make([]float32, rows*cols)},
		rows:  rows, cols: cols, maxBatch: n,
		slotOf: make([]int32, n*cols), colOf: make([]int32, n*cols),
		vecSlot: make([]int32, rows), vecs: make([]int32, 0, n),
		xb: make([]float32, n*cols), do: make([]float32, n*cols), out: make([]float32, n*cols),
		recon: make([]float32, rows*cols), done: make([]bool, rows),
	}
	for k := range m.vecSlot {
		m.vecSlot[k] = -1
	}
	rng := env.Rand()
	m.layers = make([]*nn.Dense, len(sizes)-1)
	for l := range m.layers {
		act := g
		if l == len(m.layers)-1 {
			act = f
		}
		m.layers[l] = nn.NewDense(fmt.Sprintf("autorec.%d", l), sizes[l], sizes[l+1], n, act, rng)
	}
	// The data feed the first layer: no input gradient.
	m.layers[0].NoInputGrad = true
	if len(m.layers) == 2 {
		// One hidden layer: the paper's names.
		m.layers[0].W.Name, m.layers[0].B.Name = "autorec.v", "autorec.mu"
		m.layers[1].W.Name, m.layers[1].B.Name = "autorec.w", "autorec.b"
	}
	return m, nil
}

func footprintAutoRec(env Env, c AutoRecConfig, userBased bool) Footprint {
	user, item, vec, col, sizes, err := autoRecShape(env.Layout, c, userBased)
	if err != nil {
		return Footprint{}
	}
	rows, cols, n := float64(vec.n), float64(col.n), float64(env.MaxBatch)
	var params, act float64
	for l := 1; l < len(sizes); l++ {
		params += float64(sizes[l-1]*sizes[l] + sizes[l])
		act += float64(sizes[l-1] + sizes[l]) // nn.Dense's output and input gradient
	}
	spec := c.optimizer()
	return Footprint{
		Params:  params,
		Buffers: ratingStatsFootprint(user.n, item.n) + rows*cols,
		// Activations; the gathered vectors, their output gradients and
		// the rows' outputs; each row's slot and column, each vector's
		// slot and the slots' vectors; the inference cache of
		// reconstructed vectors and its marks.
		WorkBytes: 4*n*act + 3*4*n*cols + 2*4*n*cols + 4*rows + 4*n + 4*rows*cols + rows,
		Parts:     []PartFootprint{{Name: "all", Params: params, Optimizer: &spec}},
	}
}

// GroupSlot returns the slot of the vectors' ids: a training example is
// every rating of one item (I-AutoRec) or one user (U-AutoRec).
func (m *AutoRec) GroupSlot() int { return m.vec.slot }

// FitData stores the training vectors and statistics, and starts b at the
// training mean when the output is the identity.
func (m *AutoRec) FitData(ex iter.Seq[*Batch]) error {
	clear(m.x.W)
	err := m.stats.fit(ex, m.user, m.item, func(r rating) {
		v, c := r.item, r.user
		if m.userBased {
			v, c = r.user, r.item
		}
		if v >= 0 && c >= 0 {
			m.x.W[v*m.cols+c] = r.value
		}
	})
	if err != nil {
		return fmt.Errorf("autorec: %w", err)
	}
	var b0 float32
	if m.cfg.OutputAct == "identity" || m.cfg.OutputAct == "none" {
		b0 = m.stats.mean()
	}
	last := m.layers[len(m.layers)-1].B
	for j := range last.W {
		last.W[j] = b0
	}
	return nil
}

// slot returns vector v's slot in xb, gathering its training vector there
// the first time this Forward asks for it.
func (m *AutoRec) slot(v int) int32 {
	if s := m.vecSlot[v]; s >= 0 {
		return s
	}
	if len(m.vecs) == m.maxBatch {
		panic(fmt.Sprintf("model: autorec: a batch of more than %d vectors", m.maxBatch))
	}
	s := int32(len(m.vecs))
	m.vecSlot[v] = s
	m.vecs = append(m.vecs, int32(v))
	d := m.cols
	copy(m.xb[int(s)*d:int(s+1)*d], m.x.W[v*d:(v+1)*d])
	return s
}

// reconstruct runs the gathered vectors through the layers: n×cols.
func (m *AutoRec) reconstruct() []float32 {
	x := m.xb[:len(m.vecs)*m.cols]
	for _, l := range m.layers {
		x = l.Forward(x, len(m.vecs))
	}
	return x
}

// Forward returns, for every row, the reconstruction of the row's vector at
// the row's column. In training the rows are whole vectors' ratings (see
// GroupSlot); in inference they are any (user, item) pairs, predicted with
// the fallback and clipped.
func (m *AutoRec) Forward(b *Batch) []float32 {
	n := b.N
	for _, v := range m.vecs {
		m.vecSlot[v] = -1
	}
	m.vecs = m.vecs[:0]
	out := m.out[:n]
	if m.training {
		for r := range n {
			u, i := pairRow(b, r, m.user, m.item)
			v, c := i, u
			if m.userBased {
				v, c = u, i
			}
			m.slotOf[r], m.colOf[r] = -1, -1
			if v >= 0 && c >= 0 {
				m.slotOf[r], m.colOf[r] = m.slot(v), int32(c)
			}
		}
		o := m.reconstruct()
		for r := range n {
			out[r] = m.stats.mean()
			if c := m.colOf[r]; c >= 0 {
				out[r] = o[int(m.slotOf[r])*m.cols+int(c)]
			}
		}
		active := 0
		for _, k := range m.vecCounts() {
			if k > 0 {
				active++
			}
		}
		m.share = float64(len(m.vecs)) / float64(max(active, 1))
		return out
	}
	// Inference: reconstruct the vectors not in the cache, then read it.
	for r := range n {
		u, i := pairRow(b, r, m.user, m.item)
		m.colOf[r] = -1
		if !m.stats.knownUser(u) || !m.stats.knownItem(i) {
			continue
		}
		v, c := i, u
		if m.userBased {
			v, c = u, i
		}
		m.slotOf[r], m.colOf[r] = int32(v), int32(c)
		if !m.done[v] {
			m.slot(v)
		}
	}
	if len(m.vecs) > 0 {
		o := m.reconstruct()
		d := m.cols
		for s, v := range m.vecs {
			copy(m.recon[int(v)*d:int(v+1)*d], o[s*d:(s+1)*d])
			m.done[v] = true
		}
	}
	for r := range n {
		v := m.stats.mean()
		if c := m.colOf[r]; c >= 0 {
			v = m.recon[int(m.slotOf[r])*m.cols+int(c)]
		}
		out[r] = m.stats.clip(v)
	}
	return out
}

// vecCounts returns the number of training ratings of every vector.
func (m *AutoRec) vecCounts() []float32 {
	if m.userBased {
		return m.stats.userN.W
	}
	return m.stats.itemN.W
}

// Loss is the squared error summed over the batch's rows plus the batch's
// share of (λ/2)Σ‖W‖²; dout is 2(out − r).
func (m *AutoRec) Loss(b *Batch, out, dout []float32) float64 {
	var l float64
	for r, o := range out {
		dout[r] = 0
		if m.colOf[r] >= 0 {
			e := o - b.Label[r]
			dout[r] = 2 * e
			l += float64(e) * float64(e)
		}
	}
	return l + m.share*m.cfg.Lambda/2*m.weightSquares()
}

// weightSquares returns Σ‖W‖² over the weight matrices, summed in float64
// over runs short enough for float32 to stay precise.
func (m *AutoRec) weightSquares() float64 {
	var ss float64
	for _, l := range m.layers {
		w := l.W.W
		for j := 0; j < len(w); j += 4096 {
			e := min(j+4096, len(w))
			ss += float64(blas.Dot(w[j:e], w[j:e]))
		}
	}
	return ss
}

// Backward scatters dout into the gathered vectors' output gradients (0
// at unrated cells), back-propagates them and adds the penalty's share
// share·λ·W to every weight matrix's gradient.
func (m *AutoRec) Backward(dout []float32) {
	d := m.cols
	do := m.do[:len(m.vecs)*d]
	clear(do)
	for r, g := range dout {
		if c := m.colOf[r]; c >= 0 {
			do[int(m.slotOf[r])*d+int(c)] += g
		}
	}
	for l := len(m.layers) - 1; l >= 0; l-- {
		do = m.layers[l].Backward(do)
	}
	if lam := float32(m.share * m.cfg.Lambda); lam != 0 {
		for _, l := range m.layers {
			blas.Axpy(lam, l.W.W, l.W.G)
		}
	}
}

// Parts returns one part: every layer's weights, then their biases, with
// the configured optimizer.
func (m *AutoRec) Parts() []Part {
	var ps []*nn.Param
	for _, l := range m.layers {
		ps = append(ps, l.W)
	}
	for _, l := range m.layers {
		ps = append(ps, l.B)
	}
	spec := m.cfg.optimizer()
	return []Part{{Name: "all", Params: ps, Optimizer: &spec}}
}

// SetTraining switches between training and inference, and forgets the
// reconstructed vectors: the weights may change.
func (m *AutoRec) SetTraining(t bool) {
	m.training = t
	clear(m.done)
}

// Buffers returns the training statistics and vectors.
func (m *AutoRec) Buffers() []*nn.Param {
	return append(m.stats.buffers(), m.x)
}
