package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// Activation is an element-wise function fused into a Dense layer.
type Activation int

// The activations a Dense layer can fuse. PReLU and Dice carry parameters or
// statistics and are layers of their own.
const (
	ActNone Activation = iota
	ActReLU
	ActSigmoid
	ActTanh
)

// String names the activation as configuration files spell it.
func (a Activation) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActSigmoid:
		return "sigmoid"
	case ActTanh:
		return "tanh"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Dense is a fully connected layer y = act(x·W + b) with W stored In×Out, so
// that the forward pass is one SGEMM with the bias and ReLU fused into its
// store.
type Dense struct {
	In, Out int
	Act     Activation
	W, B    *Param
	// NoInputGrad skips computing the input gradient, for a first layer fed
	// directly by data.
	NoInputGrad bool

	maxBatch int
	n        int
	x        []float32 // the last Forward's input, not copied
	y        []float32
	dx       []float32
}

// NewDense returns a Dense layer for batches of up to maxBatch rows, with W
// drawn from the Glorot uniform distribution and b = 0.
func NewDense(name string, in, out, maxBatch int, act Activation, rng *rand.Rand) *Dense {
	d := &Dense{
		In: in, Out: out, Act: act,
		W:        NewParam(name+".w", in, out),
		B:        NewParam(name+".b", out),
		maxBatch: maxBatch,
		y:        make([]float32, maxBatch*out),
		dx:       make([]float32, maxBatch*in),
	}
	InitGlorot(d.W.W, in, out, rng)
	return d
}

// Params returns the layer's trainable parameters.
func (d *Dense) Params() []*Param { return []*Param{d.W, d.B} }

// Forward computes y for the n rows of x (n×In) and returns it (n×Out).
func (d *Dense) Forward(x []float32, n int) []float32 {
	if n > d.maxBatch {
		panic(fmt.Sprintf("nn: Dense %s: batch %d exceeds maximum %d", d.W.Name, n, d.maxBatch))
	}
	d.x, d.n = x[:n*d.In], n
	y := d.y[:n*d.Out]
	ep := blas.Epilogue{Bias: d.B.W, ReLU: d.Act == ActReLU}
	blas.SgemmEpilogue(false, false, n, d.Out, d.In, 1, d.x, d.In, d.W.W, d.Out, 0, y, d.Out, ep)
	switch d.Act {
	case ActSigmoid:
		blas.Sigmoid(y, y)
	case ActTanh:
		blas.Tanh(y, y)
	}
	return y
}

// Backward takes dL/dy (n×Out, overwritten), accumulates dL/dW and dL/db, and
// returns dL/dx (n×In), or nil when NoInputGrad is set.
func (d *Dense) Backward(dy []float32) []float32 {
	n := d.n
	dz := dy[:n*d.Out]
	y := d.y[:n*d.Out]
	switch d.Act {
	case ActReLU:
		// The mask and the bias gradient in one pass over dz.
		blas.ReLUBiasGrad(d.B.G, dz, y, n, d.Out)
	case ActSigmoid:
		for i, v := range y {
			dz[i] *= v * (1 - v)
		}
	case ActTanh:
		for i, v := range y {
			dz[i] *= 1 - v*v
		}
	}
	if d.Act != ActReLU {
		blas.BiasGrad(d.B.G, dz, n, d.Out)
	}
	blas.Sgemm(true, false, d.In, d.Out, n, 1, d.x, d.In, dz, d.Out, 1, d.W.G, d.Out)
	if d.NoInputGrad {
		return nil
	}
	dx := d.dx[:n*d.In]
	blas.Sgemm(false, true, n, d.In, d.Out, 1, dz, d.Out, d.W.W, d.Out, 0, dx, d.In)
	return dx
}
