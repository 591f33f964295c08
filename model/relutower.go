package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// reluTower is the hidden part of a ReLU MLP, layer by layer
//
//	Dense → [BatchNorm] → ReLU → [Dropout]
//
// as nn.MLP stacks it (ReLU fused into Dense without BatchNorm), without an
// output layer. DeepFM and NFM use it instead of nn.MLP because the trainer
// reseeds their dropout masks every epoch (Reseeder) and nn.MLP keeps its
// Dropout layers to itself. With no hidden layer it is the identity.
type reluTower struct {
	layers []towerLayer
	params []*nn.Param
	norms  []*nn.BatchNorm
	// drops has one entry per hidden layer, nil where the rate is 0.
	drops []*nn.Dropout
	// width is the output width: the last hidden width, or the input's.
	width int
}

// towerLayer is the Forward/Backward shape of the layers a tower stacks.
type towerLayer interface {
	Forward(x []float32, n int) []float32
	Backward(dy []float32) []float32
}

// newReLUTower builds hidden layers of the given widths over inputs of
// width in. Parameters are named "<name>.h<i>.w", ".b" and ".bn.gamma",
// ".bn.beta", as nn.MLP names them. Per layer, the Dense weights
// (Glorot-uniform) and then a dropout seed are drawn from rng; the seed is
// drawn whatever the rate, so that the weights do not depend on it.
func newReLUTower(name string, in int, hidden []int, batchNorm bool, dropout float64, maxBatch int, rng *rand.Rand) *reluTower {
	t := &reluTower{width: in}
	for i, w := range hidden {
		lname := fmt.Sprintf("%s.h%d", name, i)
		act := nn.ActReLU
		if batchNorm {
			act = nn.ActNone // ReLU must follow the normalisation
		}
		d := nn.NewDense(lname, t.width, w, maxBatch, act, rng)
		t.layers = append(t.layers, d)
		t.params = append(t.params, d.Params()...)
		if batchNorm {
			bn := nn.NewBatchNorm(lname+".bn", w, maxBatch)
			t.norms = append(t.norms, bn)
			t.layers = append(t.layers, bn, nn.NewReLU(w, maxBatch))
			t.params = append(t.params, bn.Params()...)
		}
		seed := rng.Uint64()
		var drop *nn.Dropout
		if dropout > 0 {
			drop = nn.NewDropout(w, maxBatch, dropout, seed)
			t.layers = append(t.layers, drop)
		}
		t.drops = append(t.drops, drop)
		t.width = w
	}
	return t
}

// forward runs the n×in batch x (kept until backward) through the layers.
func (t *reluTower) forward(x []float32, n int) []float32 {
	for _, l := range t.layers {
		x = l.Forward(x, n)
	}
	return x
}

// backward accumulates the parameter gradients from dy (n×width, may be
// overwritten) and returns dL/dx.
func (t *reluTower) backward(dy []float32) []float32 {
	for i := len(t.layers) - 1; i >= 0; i-- {
		dy = t.layers[i].Backward(dy)
	}
	return dy
}

// setTraining switches BatchNorm and Dropout.
func (t *reluTower) setTraining(training bool) {
	for _, b := range t.norms {
		b.SetTraining(training)
	}
	for _, d := range t.drops {
		if d != nil {
			d.SetTraining(training)
		}
	}
}

// reseed restarts every dropout stream from seeds drawn from rng, one per
// hidden layer whatever its rate.
func (t *reluTower) reseed(rng *rand.Rand) {
	for _, d := range t.drops {
		seed := rng.Uint64()
		if d != nil {
			d.Reseed(seed)
		}
	}
}

// stats returns the BatchNorm running statistics, input side first.
func (t *reluTower) stats() []*nn.BatchStats {
	s := make([]*nn.BatchStats, len(t.norms))
	for i, b := range t.norms {
		s[i] = &b.BatchStats
	}
	return s
}
