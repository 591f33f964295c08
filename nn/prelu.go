package nn

import "fmt"

// PReLU is the parametric ReLU of He et al. (2015): y = x for x > 0 and
// y = a_j·x otherwise, with one learned slope a_j per channel (column).
type PReLU struct {
	// Width is the number of channels.
	Width int
	// Alpha holds the Width slopes, initialised to 0.25 as in the paper.
	Alpha *Param

	maxBatch int
	n        int
	x        []float32 // the last Forward's input, not copied
	y, dx    []float32
}

// NewPReLU returns a PReLU layer over batches of up to maxBatch rows of width
// channels.
func NewPReLU(name string, width, maxBatch int) *PReLU {
	if width < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: PReLU %s: width and maxBatch must be positive, got %d and %d", name, width, maxBatch))
	}
	l := &PReLU{
		Width: width, Alpha: NewParam(name+".alpha", width),
		maxBatch: maxBatch,
		y:        make([]float32, maxBatch*width),
		dx:       make([]float32, maxBatch*width),
	}
	for j := range l.Alpha.W {
		l.Alpha.W[j] = 0.25
	}
	return l
}

// Params returns the slopes.
func (l *PReLU) Params() []*Param { return []*Param{l.Alpha} }

// Forward applies the activation to the n×Width batch x, which must stay
// unchanged until Backward.
func (l *PReLU) Forward(x []float32, n int) []float32 {
	if n < 0 || n > l.maxBatch {
		panic(fmt.Sprintf("nn: PReLU %s: batch %d outside [0, %d]", l.Alpha.Name, n, l.maxBatch))
	}
	w := l.Width
	if len(x) < n*w {
		panic(fmt.Sprintf("nn: PReLU %s: input has %d values, need %d×%d", l.Alpha.Name, len(x), n, w))
	}
	l.n, l.x = n, x[:n*w]
	a := l.Alpha.W[:w]
	for i := 0; i < n; i++ {
		xr, yr := l.x[i*w:i*w+w], l.y[i*w:i*w+w]
		for j, v := range xr {
			if v > 0 {
				yr[j] = v
			} else {
				yr[j] = a[j] * v
			}
		}
	}
	return l.y[:n*w]
}

// Backward accumulates dL/da and returns dL/dx.
func (l *PReLU) Backward(dy []float32) []float32 {
	n, w := l.n, l.Width
	a, ga := l.Alpha.W[:w], l.Alpha.G[:w]
	for i := 0; i < n; i++ {
		xr, gr, dxr := l.x[i*w:i*w+w], dy[i*w:i*w+w], l.dx[i*w:i*w+w]
		for j, v := range xr {
			if v > 0 {
				dxr[j] = gr[j]
			} else {
				dxr[j] = a[j] * gr[j]
				ga[j] += gr[j] * v
			}
		}
	}
	return l.dx[:n*w]
}
