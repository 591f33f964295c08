package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// denseTower is the hidden part of an MLP, layer by layer
//
//	Dense → [BatchNorm] → activation → [Dropout]
//
// as nn.MLP stacks it (the activation fused into Dense without BatchNorm),
// without an output layer: the ReLU towers of DeepFM, NFM, PNN, Wide&Deep
// and DCN and FNN's tanh (or ReLU) one. With no hidden layer it is the
// identity.
//
// It is not nn.MLP, although it stacks the same layers under the same
// parameter names, because replacing it would change what the models are:
//   - It draws a dropout seed per layer whatever the rate, so that the
//     weights do not depend on it; nn.MLP draws one only when the rate is
//     above 0. At rate 0 (DCN's, Wide&Deep's and PNN's default) every layer
//     after the first, and all that the model draws after the tower, would
//     get other initial weights than the models' trained artifacts and
//     seeded results were made with.
//   - It may be empty (NFM-0, DeepFM without hidden layers, PNN with one
//     hidden width, all of whose layers precede the tower); nn.MLP refuses
//     an MLP without layers.
//   - Its layerTail also ends the layers whose linear map is not one Dense
//     (PNN's l_1, NFM's Bi-Interaction output), and the models reseed,
//     switch and save those with the tower's layers.
type denseTower struct {
	dense []*nn.Dense
	// tails has one entry per hidden layer: what follows its Dense.
	tails  []layerTail
	params []*nn.Param
	// width is the output width: the last hidden width, or the input's.
	width int
}

// towerLayer is the Forward/Backward shape of the layers a tower stacks.
type towerLayer interface {
	Forward(x []float32, n int) []float32
	Backward(dy []float32) []float32
}

// newDenseTower builds hidden layers of the given widths and activation
// act over inputs of width in. Parameters are named "<name>.h<i>.w", ".b"
// and ".bn.gamma", ".bn.beta", as nn.MLP names them. Per layer, the Dense
// weights (Glorot-uniform) and then a dropout seed are drawn from rng; the
// seed is drawn whatever the rate, so that the weights do not depend on it.
func newDenseTower(name string, in int, hidden []int, act nn.Activation, batchNorm bool, dropout float64, maxBatch int, rng *rand.Rand) *denseTower {
	t := &denseTower{width: in}
	fused, tailAct := act, nn.ActNone
	if batchNorm {
		// The activation must follow the normalisation.
		fused, tailAct = nn.ActNone, act
	}
	for i, w := range hidden {
		lname := fmt.Sprintf("%s.h%d", name, i)
		d := nn.NewDense(lname, t.width, w, maxBatch, fused, rng)
		tail := newLayerTail(lname, w, batchNorm, tailAct, dropout, maxBatch, rng)
		t.dense = append(t.dense, d)
		t.tails = append(t.tails, tail)
		t.params = append(t.params, d.Params()...)
		t.params = append(t.params, tail.params()...)
		t.width = w
	}
	return t
}

// forward runs the n×in batch x (kept until backward) through the layers.
func (t *denseTower) forward(x []float32, n int) []float32 {
	for i, d := range t.dense {
		x = t.tails[i].forward(d.Forward(x, n), n)
	}
	return x
}

// backward accumulates the parameter gradients from dy (n×width, may be
// overwritten) and returns dL/dx.
func (t *denseTower) backward(dy []float32) []float32 {
	for i := len(t.dense) - 1; i >= 0; i-- {
		dy = t.dense[i].Backward(t.tails[i].backward(dy))
	}
	return dy
}

// setTraining switches BatchNorm and Dropout.
func (t *denseTower) setTraining(training bool) {
	for _, l := range t.tails {
		l.setTraining(training)
	}
}

// reseed restarts every dropout stream from seeds drawn from rng, one per
// hidden layer whatever its rate.
func (t *denseTower) reseed(rng *rand.Rand) {
	for _, l := range t.tails {
		l.reseed(rng)
	}
}

// stats returns the BatchNorm running statistics, input side first.
func (t *denseTower) stats() []*nn.BatchStats {
	var s []*nn.BatchStats
	for _, l := range t.tails {
		s = l.appendStats(s)
	}
	return s
}

// layerTail is what follows the linear map of a hidden layer,
//
//	[BatchNorm] → [activation] → [Dropout]
//
// with the activation a layer of its own only where it cannot be fused into
// the Dense before it. Besides the towers' layers, it ends the layers whose
// linear map is not one Dense: PNN's l_1 (ReLU on the product layer's sum)
// and NFM's Bi-Interaction output (no activation).
type layerTail struct {
	norm *nn.BatchNorm // nil without batch norm
	act  towerLayer    // nil: no activation here
	drop *nn.Dropout   // nil at rate 0
}

// newLayerTail builds the tail of a layer of width units named name (the
// BatchNorm's parameters are "<name>.bn.gamma" and ".bn.beta"). It draws
// the dropout seed from rng whatever the rate, so that what rng draws next
// does not depend on it.
func newLayerTail(name string, width int, batchNorm bool, act nn.Activation, dropout float64, maxBatch int, rng *rand.Rand) layerTail {
	var l layerTail
	if batchNorm {
		l.norm = nn.NewBatchNorm(name+".bn", width, maxBatch)
	}
	switch act {
	case nn.ActNone:
	case nn.ActReLU:
		l.act = nn.NewReLU(width, maxBatch)
	case nn.ActTanh:
		l.act = nn.NewTanh(width, maxBatch)
	case nn.ActSigmoid:
		l.act = nn.NewSigmoid(width, maxBatch)
	default:
		panic(fmt.Sprintf("model: layer %s: unknown activation %v", name, act))
	}
	if seed := rng.Uint64(); dropout > 0 {
		l.drop = nn.NewDropout(width, maxBatch, dropout, seed)
	}
	return l
}

// forward runs the n rows of x through the tail.
func (l layerTail) forward(x []float32, n int) []float32 {
	if l.norm != nil {
		x = l.norm.Forward(x, n)
	}
	if l.act != nil {
		x = l.act.Forward(x, n)
	}
	if l.drop != nil {
		x = l.drop.Forward(x, n)
	}
	return x
}

// backward returns dL/dx from dy (may be overwritten), accumulating the
// BatchNorm's gradients.
func (l layerTail) backward(dy []float32) []float32 {
	if l.drop != nil {
		dy = l.drop.Backward(dy)
	}
	if l.act != nil {
		dy = l.act.Backward(dy)
	}
	if l.norm != nil {
		dy = l.norm.Backward(dy)
	}
	return dy
}

// params returns the BatchNorm's γ and β (none without batch norm).
func (l layerTail) params() []*nn.Param {
	if l.norm == nil {
		return nil
	}
	return l.norm.Params()
}

// setTraining switches BatchNorm and Dropout.
func (l layerTail) setTraining(training bool) {
	if l.norm != nil {
		l.norm.SetTraining(training)
	}
	if l.drop != nil {
		l.drop.SetTraining(training)
	}
}

// reseed restarts the dropout stream from a seed drawn from rng, drawn
// whatever the rate, as at construction.
func (l layerTail) reseed(rng *rand.Rand) {
	if seed := rng.Uint64(); l.drop != nil {
		l.drop.Reseed(seed)
	}
}

// appendStats appends the BatchNorm's running statistics, if any, to s.
func (l layerTail) appendStats(s []*nn.BatchStats) []*nn.BatchStats {
	if l.norm == nil {
		return s
	}
	return append(s, &l.norm.BatchStats)
}
