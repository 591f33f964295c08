package nn

// Param is a dense trainable tensor and its gradient, both flat row-major
// float32 slices of the same length.
type Param struct {
	// Name identifies the parameter in artifacts and optimizer groups.
	Name string
	// Shape is the logical shape of W, for serialization and diagnostics.
	Shape []int
	// W holds the values.
	W []float32
	// G accumulates the gradient of the loss with respect to W.
	G []float32
	// Optional marks state added to a model after artifacts without it
	// were written (a buffer, never a trained weight): loading such an
	// artifact leaves W as it is.
	Optional bool
}

// NewParam returns a zero-valued parameter of the given shape.
func NewParam(name string, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param{Name: name, Shape: append([]int(nil), shape...), W: make([]float32, n), G: make([]float32, n)}
}

// ZeroGrad clears the accumulated gradient.
func (p *Param) ZeroGrad() { clear(p.G) }

// Trainer is implemented by layers that behave differently when training
// (batch statistics, dropout masks) and at inference.
type Trainer interface {
	SetTraining(training bool)
}
