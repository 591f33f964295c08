package nn

import (
	"fmt"

	"github.com/recforge/recforge/blas"
)

// elementwise holds what the parameter-free activation layers share: the
// last output, from which each derivative is computed (so the input need not
// outlive Forward), and the input gradient.
type elementwise struct {
	kind     string
	width    int
	maxBatch int
	n        int
	y, dx    []float32
}

func newElementwise(kind string, width, maxBatch int) elementwise {
	if width < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: %s: width and maxBatch must be positive, got %d and %d", kind, width, maxBatch))
	}
	return elementwise{
		kind: kind, width: width, maxBatch: maxBatch,
		y:  make([]float32, maxBatch*width),
		dx: make([]float32, maxBatch*width),
	}
}

// begin validates a Forward call and returns the input and output of its n
// rows.
func (e *elementwise) begin(x []float32, n int) (xs, y []float32) {
	if n < 0 || n > e.maxBatch {
		panic(fmt.Sprintf("nn: %s: batch %d outside [0, %d]", e.kind, n, e.maxBatch))
	}
	m := n * e.width
	if len(x) < m {
		panic(fmt.Sprintf("nn: %s: input has %d values, need %d×%d", e.kind, len(x), n, e.width))
	}
	e.n = n
	return x[:m], e.y[:m]
}

// grads returns the last output, dy and dx cut to the last batch.
func (e *elementwise) grads(dy []float32) (y, dys, dx []float32) {
	m := e.n * e.width
	return e.y[:m], dy[:m], e.dx[:m]
}

// ReLU is the layer y = max(x, 0), for where an activation cannot be fused
// into a Dense layer (e.g. after BatchNorm).
type ReLU struct{ elementwise }

// NewReLU returns a ReLU layer over batches of up to maxBatch rows of width
// values.
func NewReLU(width, maxBatch int) *ReLU { return &ReLU{newElementwise("ReLU", width, maxBatch)} }

// Forward returns max(x, 0) for the n×width batch x. NaN inputs stay NaN.
func (l *ReLU) Forward(x []float32, n int) []float32 {
	x, y := l.begin(x, n)
	for i, v := range x {
		y[i] = max(v, 0)
	}
	return y
}

// Backward returns dL/dx: dy where the output was positive, 0 elsewhere
// (the subgradient 0 is taken at the kink).
func (l *ReLU) Backward(dy []float32) []float32 {
	y, dy, dx := l.grads(dy)
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
	return dx
}

// Sigmoid is the layer y = 1/(1+e^-x).
type Sigmoid struct{ elementwise }

// NewSigmoid returns a Sigmoid layer over batches of up to maxBatch rows of
// width values.
func NewSigmoid(width, maxBatch int) *Sigmoid {
	return &Sigmoid{newElementwise("Sigmoid", width, maxBatch)}
}

// Forward returns σ(x) for the n×width batch x.
func (l *Sigmoid) Forward(x []float32, n int) []float32 {
	x, y := l.begin(x, n)
	blas.Sigmoid(y, x)
	return y
}

// Backward returns dL/dx = dy·y·(1−y).
func (l *Sigmoid) Backward(dy []float32) []float32 {
	y, dy, dx := l.grads(dy)
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
	return dx
}

// Tanh is the layer y = tanh(x).
type Tanh struct{ elementwise }

// NewTanh returns a Tanh layer over batches of up to maxBatch rows of width
// values.
func NewTanh(width, maxBatch int) *Tanh { return &Tanh{newElementwise("Tanh", width, maxBatch)} }

// Forward returns tanh(x) for the n×width batch x.
func (l *Tanh) Forward(x []float32, n int) []float32 {
	x, y := l.begin(x, n)
	blas.Tanh(y, x)
	return y
}

// Backward returns dL/dx = dy·(1−y²).
func (l *Tanh) Backward(dy []float32) []float32 {
	y, dy, dx := l.grads(dy)
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
	return dx
}
