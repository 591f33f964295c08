package rating

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// AutoRecConfig configures AutoRec. Zero fields take the defaults noted
// (chosen on the validation part of u1.base, see doc.go).
type AutoRecConfig struct {
	// UserBased selects U-AutoRec (one input vector per user, over items);
	// the default is I-AutoRec (one vector per item, over users).
	UserBased bool
	// Hidden is the hidden layer size k (default 500, the paper's).
	Hidden int
	// Layers, when set, replaces the one hidden layer by a stack of hidden
	// layers of these sizes, each with activation g: the deep I-AutoRec of
	// the paper's last experiment used 500, 250, 500.
	Layers []int
	// Lambda is λ of the penalty (λ/2)(‖W‖² + ‖V‖²) (defaults
	// DefaultLambdaI and DefaultLambdaU). Its scale is that of the data
	// term, a sum over all training ratings.
	Lambda float64
	// HiddenAct is g and OutputAct is f: "sigmoid", "identity", "relu" or
	// "tanh" (defaults sigmoid and identity, the paper's).
	HiddenAct, OutputAct string
	// Optimizer is "adam" (minibatch Adam, default), "lbfgs" (full-batch
	// L-BFGS) or "rprop" (full-batch iRprop−); the paper trained with
	// RProp or L-BFGS. With either full-batch method an epoch is one
	// iteration.
	Optimizer string
	// RpropStep is iRprop−'s initial step size Δ0 (default 0.001).
	RpropStep float64
	// LR is Adam's learning rate (default 3e-4), Batch its minibatch size
	// in input vectors (default 128).
	LR    float64
	Batch int
	// Epochs is the number of epochs, the maximum when validating
	// (default 500 with Adam, 1000 with L-BFGS).
	Epochs int
	// Patience is the number of epochs without validation improvement
	// before stopping (default 30 with Adam, 50 with L-BFGS).
	Patience int
	// Seed seeds the initialization and the minibatch order.
	Seed uint64
}

// The default λ of each variant.
const (
	DefaultLambdaI = 250
	DefaultLambdaU = 300
)

func (c AutoRecConfig) withDefaults() AutoRecConfig {
	if c.Hidden == 0 {
		c.Hidden = 500
	}
	if len(c.Layers) == 0 {
		c.Layers = []int{c.Hidden}
	}
	if c.Lambda == 0 {
		c.Lambda = DefaultLambdaI
		if c.UserBased {
			c.Lambda = DefaultLambdaU
		}
	}
	if c.HiddenAct == "" {
		c.HiddenAct = "sigmoid"
	}
	if c.OutputAct == "" {
		c.OutputAct = "identity"
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.LR == 0 {
		c.LR = 3e-4
	}
	if c.Batch == 0 {
		c.Batch = 128
	}
	if c.RpropStep == 0 {
		c.RpropStep = 0.001
	}
	lbfgs := c.Optimizer == "lbfgs" || c.Optimizer == "rprop"
	if c.Epochs == 0 {
		c.Epochs = 500
		if lbfgs {
			c.Epochs = 1000
		}
	}
	if c.Patience == 0 {
		c.Patience = 30
		if lbfgs {
			c.Patience = 50
		}
	}
	return c
}

// ParseActivation reads an activation name: identity (or none), sigmoid,
// relu, tanh.
func ParseActivation(s string) (nn.Activation, error) {
	switch s {
	case "identity", "none":
		return nn.ActNone, nil
	case "sigmoid":
		return nn.ActSigmoid, nil
	case "relu":
		return nn.ActReLU, nil
	case "tanh":
		return nn.ActTanh, nil
	}
	return 0, fmt.Errorf("activation %q, expected identity, sigmoid, relu or tanh", s)
}

func (c AutoRecConfig) check() error {
	if _, err := ParseActivation(c.HiddenAct); err != nil {
		return fmt.Errorf("autorec: hidden %w", err)
	}
	if _, err := ParseActivation(c.OutputAct); err != nil {
		return fmt.Errorf("autorec: output %w", err)
	}
	switch {
	case c.Hidden < 1:
		return fmt.Errorf("autorec: hidden size %d, want ≥ 1", c.Hidden)
	case slices.ContainsFunc(c.Layers, func(k int) bool { return k < 1 }):
		return fmt.Errorf("autorec: hidden layer sizes %v, want each ≥ 1", c.Layers)
	case !(c.Lambda >= 0) || math.IsInf(c.Lambda, 0):
		return fmt.Errorf("autorec: λ = %v, want ≥ 0", c.Lambda)
	case c.Optimizer != "adam" && c.Optimizer != "lbfgs" && c.Optimizer != "rprop":
		return fmt.Errorf("autorec: optimizer %q, expected adam, lbfgs or rprop", c.Optimizer)
	case !(c.RpropStep > 0) || c.RpropStep > rpropDeltaMax:
		return fmt.Errorf("autorec: RProp initial step %v, want in (0, %v]", c.RpropStep, rpropDeltaMax)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("autorec: learning rate %v, want > 0", c.LR)
	case c.Batch < 1:
		return fmt.Errorf("autorec: batch %d, want ≥ 1", c.Batch)
	case c.Epochs < 1:
		return fmt.Errorf("autorec: %d epochs, want ≥ 1", c.Epochs)
	case c.Patience < 0:
		return fmt.Errorf("autorec: patience %d, want ≥ 0", c.Patience)
	}
	return nil
}

// AutoRec is the autoencoder of Sedhain et al. (WWW'15). Each input
// vector r ∈ R^d holds one item's ratings by all training users
// (I-AutoRec) or one user's ratings of all items (U-AutoRec), 0 where
// unobserved, and is reconstructed as
//
//	h(r) = f(W·g(V r + μ) + b),  V: k×d, W: d×k,
//
// minimizing the masked objective over the training vectors
//
//	Σ_r Σ_{observed j} (r_j − h(r)_j)² + (λ/2)(‖W‖²_F + ‖V‖²_F)
//
// (μ and b are not penalized). The prediction for user u and item i is
// R̂_ui = h(r^(i))_u for I-AutoRec, h(r^(u))_i for U-AutoRec, with r^(·)
// the training vector.
//
// With Layers, g(V r + μ) becomes a stack of hidden layers, each
// g(W_l·x + b_l), and every weight matrix is penalized: the paper's deep
// I-AutoRec (500, 250, 500 sigmoid units) lowered its ML-1M RMSE from
// 0.831 to 0.827.
//
// Storage: both matrices are kept transposed, V as d×k and W as k×d, so
// that a batch of n row vectors X (n×d) goes through X·Vᵀ and H·Wᵀ as
// plain row-major SGEMMs.
//
// Training: minibatch Adam (default), each batch minimizing its vectors'
// data term plus its share n/N of the penalty, so that an epoch sums to
// the objective above; or, on the objective itself, full-batch L-BFGS
// (gonum's, float64 iterates) or full-batch iRprop− (rprop.go), the two
// methods the paper names. V and W start Glorot-uniform, μ at 0, b at the
// training mean when f is the identity (else 0).
//
// Fallback: an unseen user or item (or one without training ratings) has
// no input vector or no output unit, and gets the training mean, as in the
// paper. Predictions are clipped to the training range.
type AutoRec struct {
	cfg  AutoRecConfig
	g, f nn.Activation
	stats

	rows, cols int
	// layers run from the input (V, μ) to the output (W, b); with one
	// hidden layer (the default) there are two. V, W, Mu and B alias the
	// first layer's and the last layer's parameters.
	layers      []*nn.Dense
	V, W, Mu, B *nn.Param

	x, mask []float32 // rows×cols training vectors and their observed mask
	active  []int32   // rows with at least one observed entry
	recon   []float32 // rows×cols reconstructions, for Predict

	maxBatch int
	xb, mb   []float32 // gathered batch: maxBatch×cols
	o        []float32 // the last forward's output (the last layer's buffer)
	do       []float32 // maxBatch×cols: the output's gradient
	rowIdx   []int32   // chunk row ids for reconstruct
}

// NewAutoRec returns an untrained model.
func NewAutoRec(cfg AutoRecConfig) (*AutoRec, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	g, _ := ParseActivation(cfg.HiddenAct)
	f, _ := ParseActivation(cfg.OutputAct)
	return &AutoRec{cfg: cfg, g: g, f: f}, nil
}

// Config returns the configuration with defaults filled in.
func (a *AutoRec) Config() AutoRecConfig { return a.cfg }

// chunk is the row count of full-data passes (L-BFGS, reconstruction).
const chunk = 256

// setup lays out the training matrix and the parameters for train.
func (a *AutoRec) setup(train *Ratings) {
	a.stats = newStats(train)
	a.rows, a.cols = train.NumItems, train.NumUsers
	if a.cfg.UserBased {
		a.rows, a.cols = train.NumUsers, train.NumItems
	}
	a.x = make([]float32, a.rows*a.cols)
	a.mask = make([]float32, a.rows*a.cols)
	for k, v := range train.Values {
		r, c := a.cell(train.Users[k], train.Items[k])
		a.x[r*a.cols+c] = v
		a.mask[r*a.cols+c] = 1
	}
	a.active = a.active[:0]
	for r := range a.rows {
		for _, m := range a.mask[r*a.cols : (r+1)*a.cols] {
			if m != 0 {
				a.active = append(a.active, int32(r))
				break
			}
		}
	}
	a.maxBatch = max(a.cfg.Batch, chunk)
	sizes := append(append([]int{a.cols}, a.cfg.Layers...), a.cols)
	a.layers = make([]*nn.Dense, len(sizes)-1)
	rng := nn.NewRand(a.cfg.Seed) // init draws the weights again for every Fit
	for l := range a.layers {
		act := a.g
		if l == len(a.layers)-1 {
			act = a.f
		}
		a.layers[l] = nn.NewDense(fmt.Sprintf("autorec.%d", l), sizes[l], sizes[l+1], a.maxBatch, act, rng)
	}
	// The data feed the first layer: no input gradient.
	a.layers[0].NoInputGrad = true
	first, last := a.layers[0], a.layers[len(a.layers)-1]
	a.V, a.Mu, a.W, a.B = first.W, first.B, last.W, last.B
	if len(a.layers) == 2 {
		// One hidden layer: the paper's names.
		a.V.Name, a.Mu.Name, a.W.Name, a.B.Name = "autorec.v", "autorec.mu", "autorec.w", "autorec.b"
	}
	a.xb = make([]float32, a.maxBatch*a.cols)
	a.mb = make([]float32, a.maxBatch*a.cols)
	a.do = make([]float32, a.maxBatch*a.cols)
	a.recon = make([]float32, a.rows*a.cols)
	a.rowIdx = make([]int32, 0, chunk)
}

// cell maps a (user, item) pair to the (row, column) of the input matrix.
func (a *AutoRec) cell(u, i int32) (r, c int) {
	if a.cfg.UserBased {
		return int(u), int(i)
	}
	return int(i), int(u)
}

// init draws the initial parameters.
func (a *AutoRec) init() {
	rng := nn.NewRand(a.cfg.Seed)
	for _, l := range a.layers {
		nn.InitGlorot(l.W.W, l.In, l.Out, rng)
		clear(l.B.W)
	}
	var b0 float32
	if a.f == nn.ActNone {
		b0 = a.mean
	}
	for j := range a.B.W {
		a.B.W[j] = b0
	}
}

// Params returns every layer's weights, then every layer's biases: V, W,
// μ and b with one hidden layer.
func (a *AutoRec) Params() []*nn.Param {
	ps := make([]*nn.Param, 0, 2*len(a.layers))
	for _, l := range a.layers {
		ps = append(ps, l.W)
	}
	for _, l := range a.layers {
		ps = append(ps, l.B)
	}
	return ps
}

// gather copies the training vectors of rows into the batch buffers.
func (a *AutoRec) gather(rows []int32) {
	d := a.cols
	for j, r := range rows {
		copy(a.xb[j*d:(j+1)*d], a.x[int(r)*d:int(r+1)*d])
		copy(a.mb[j*d:(j+1)*d], a.mask[int(r)*d:int(r+1)*d])
	}
}

// forward reconstructs the n gathered vectors xb into o (n×cols), each
// layer keeping its activations for backward.
func (a *AutoRec) forward(n int) {
	x := a.xb[:n*a.cols]
	for _, l := range a.layers {
		x = l.Forward(x, n)
	}
	a.o = x
}

// dataLoss returns Σ mask·(o − x)² over the n gathered vectors, summed in
// float64 per vector.
func (a *AutoRec) dataLoss(n int) float64 {
	d := a.cols
	var total float64
	for j := range n {
		o, x, m := a.o[j*d:(j+1)*d], a.xb[j*d:(j+1)*d], a.mb[j*d:(j+1)*d]
		var s float32
		for c, mc := range m {
			e := (o[c] - x[c]) * mc
			s += e * e
		}
		total += float64(s)
	}
	return total
}

// backward follows forward: it sets the output gradient 2·mask·(o − x)
// (each layer multiplies in its activation's derivative) and adds the data
// term's gradients to every layer's weights and biases.
func (a *AutoRec) backward(n int) {
	d := a.cols
	do, o := a.do[:n*d], a.o[:n*d]
	x, m := a.xb[:n*d], a.mb[:n*d]
	for c, mc := range m {
		do[c] = 2 * mc * (o[c] - x[c])
	}
	for li := len(a.layers) - 1; li >= 0; li-- {
		do = a.layers[li].Backward(do)
	}
}

// penalty adds scale·λ·W to the gradient of every weight matrix (V and W
// with one hidden layer; biases are not penalized) when grad is set, and
// returns scale·(λ/2)·Σ‖W‖².
func (a *AutoRec) penalty(scale float64, grad bool) float64 {
	lam := a.cfg.Lambda * scale
	var ss float64
	for _, l := range a.layers {
		p := l.W
		// Vectorized dots over short runs, summed in float64, keep the
		// value precise enough for L-BFGS's line search.
		for j := 0; j < len(p.W); j += 4096 {
			w := p.W[j:min(j+4096, len(p.W))]
			ss += float64(blas.Dot(w, w))
		}
		if grad && lam != 0 {
			blas.Axpy(float32(lam), p.W, p.G)
		}
	}
	return lam / 2 * ss
}

// objective returns the data term of rows plus scale times the penalty,
// adding its gradients when grad is set (the caller clears them).
func (a *AutoRec) objective(rows []int32, scale float64, grad bool) float64 {
	var total float64
	for b0 := 0; b0 < len(rows); b0 += a.maxBatch {
		b1 := min(b0+a.maxBatch, len(rows))
		n := b1 - b0
		a.gather(rows[b0:b1])
		a.forward(n)
		total += a.dataLoss(n)
		if grad {
			a.backward(n)
		}
	}
	return total + a.penalty(scale, grad)
}

// Loss is the full training objective at the current parameters.
func (a *AutoRec) Loss() float64 { return a.objective(a.active, 1, false) }

// reconstruct recomputes every row's reconstruction for Predict.
func (a *AutoRec) reconstruct() {
	d := a.cols
	for r0 := 0; r0 < a.rows; r0 += chunk {
		r1 := min(r0+chunk, a.rows)
		all := a.rowIdx[:0]
		for r := r0; r < r1; r++ {
			all = append(all, int32(r))
		}
		a.gather(all)
		a.forward(r1 - r0)
		copy(a.recon[r0*d:r1*d], a.o[:(r1-r0)*d])
	}
}

// Predict returns the reconstruction of the item's (I-AutoRec) or the
// user's (U-AutoRec) training vector at the other id, or the training mean
// when either is unseen, clipped to the training range.
func (a *AutoRec) Predict(u, i int32) float32 {
	if !a.knownUser(u) || !a.knownItem(i) {
		return a.clip(a.mean)
	}
	r, c := a.cell(u, i)
	return a.clip(a.recon[r*a.cols+c])
}

// Fit trains on train, with early stopping on valid when it is given (the
// best epoch's parameters are kept).
func (a *AutoRec) Fit(ctx context.Context, train, valid *Ratings) (*FitReport, error) {
	if err := train.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	a.setup(train)
	a.init()
	rep := &FitReport{}
	var err error
	switch a.cfg.Optimizer {
	case "lbfgs":
		err = a.fitLBFGS(ctx, valid, rep)
	case "rprop":
		err = a.fitRprop(ctx, valid, rep)
	default:
		err = a.fitAdam(ctx, valid, rep)
	}
	if err != nil {
		return nil, err
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// validator tracks validation RMSE across epochs and keeps the best
// parameters.
type validator struct {
	a     *AutoRec
	valid *Ratings
	stop  stopper
	best  [][]float32
}

func newValidator(a *AutoRec, valid *Ratings) *validator {
	return &validator{a: a, valid: valid, stop: stopper{patience: a.cfg.Patience}}
}

// epoch scores the current parameters (refreshing the reconstructions)
// and reports whether to stop.
func (v *validator) epoch(n int, rep *FitReport) bool {
	if v.valid == nil {
		return false
	}
	v.a.reconstruct()
	rmse := Evaluate(v.a, v.valid).RMSE
	rep.Curve = append(rep.Curve, rmse)
	improved, stop := v.stop.observe(n, rmse)
	if improved {
		if v.best == nil {
			v.best = make([][]float32, len(v.a.Params()))
		}
		for j, p := range v.a.Params() {
			v.best[j] = append(v.best[j][:0], p.W...)
		}
	}
	return stop
}

// finish restores the best parameters and fills the report.
func (v *validator) finish(rep *FitReport) {
	rep.BestEpoch = rep.Epochs
	if v.valid != nil && v.best != nil {
		for j, p := range v.a.Params() {
			copy(p.W, v.best[j])
		}
		rep.BestEpoch, rep.ValidRMSE = v.stop.bestEpoch, v.stop.best
	}
	v.a.reconstruct()
}

// adamTrainer holds the state of minibatch training across epochs.
type adamTrainer struct {
	a     *AutoRec
	opt   *optim.Optimizer
	rng   *rand.Rand
	order []int32
}

func (a *AutoRec) newAdamTrainer() *adamTrainer {
	grp := optim.NewGroup("autorec", optim.Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, float32(a.cfg.LR))
	grp.AddParams(a.Params()...)
	return &adamTrainer{
		a: a, opt: optim.New(grp),
		rng:   nn.NewRand(a.cfg.Seed ^ 0xad_a3), // the order, apart from the init's stream
		order: append([]int32(nil), a.active...),
	}
}

// epoch runs one shuffled pass of minibatch steps and returns the sum of
// the batch objectives.
func (t *adamTrainer) epoch() (float64, error) {
	a, order, bs := t.a, t.order, t.a.cfg.Batch
	t.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var loss float64
	for b0 := 0; b0 < len(order); b0 += bs {
		b1 := min(b0+bs, len(order))
		l := a.objective(order[b0:b1], float64(b1-b0)/float64(len(order)), true)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return 0, fmt.Errorf("autorec: the loss diverged (%v): lower the learning rate", l)
		}
		loss += l
		t.opt.Step()
	}
	return loss, nil
}

func (a *AutoRec) fitAdam(ctx context.Context, valid *Ratings, rep *FitReport) error {
	return a.fitEpochs(ctx, a.newAdamTrainer().epoch, valid, rep)
}

// fitEpochs runs epoch (one pass of an iterative optimizer, returning the
// training loss) up to cfg.Epochs times, stopping early when the
// validation part stops improving; Adam and iRprop− share it.
func (a *AutoRec) fitEpochs(ctx context.Context, epoch func() (float64, error), valid *Ratings, rep *FitReport) error {
	val := newValidator(a, valid)
	for e := 1; e <= a.cfg.Epochs; e++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		loss, err := epoch()
		if err != nil {
			return fmt.Errorf("epoch %d: %w", e, err)
		}
		rep.Epochs = e
		rep.TrainLoss = append(rep.TrainLoss, loss)
		if val.epoch(e, rep) {
			break
		}
	}
	val.finish(rep)
	return nil
}
