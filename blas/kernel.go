package blas

// microKernel is one family of SGEMM micro-kernels with the cache blocking
// tuned for it. A kernel computes a tile of at most mr×nr elements of C over
// kc steps of k from an A panel addressed by (row, k) strides and a B panel
// of nr contiguous values per k step.
type microKernel struct {
	name   string
	mr, nr int
	// kc, mc and nc bound the k depth of one pass over C, the rows of A
	// swept against one B micro-panel, and the columns of one packed B
	// block.
	kc, mc, nc int
	tile       func(t *tileArgs)
	// partialB says tile reads only the first t.nr values of each k step
	// of B, so that a partial panel can be read in place.
	partialB bool
	// widePanels[mr], when non-zero, is how many full nr-column panels
	// wideTile covers in one call for a tile of mr rows: few rows alone
	// give too few accumulators to hide the FMA latency. Each element is
	// computed exactly as tile would.
	widePanels [4]int
	// wideTile is tile over widePanels[t.mr] panels, panelStride elements
	// apart in t.b.
	wideTile func(t *tileArgs, panelStride int)
}

// tileArgs is one micro-kernel call. Strides and offsets count float32
// elements. Element (i, p) of the A panel is a[ai + i*ars + p*aks]; the nr
// values of k step p of the B panel start at b[bi + p*bks], padded with zeros
// up to the kernel's nr unless the kernel has partialB; the tile of C starts
// at c[ci].
type tileArgs struct {
	kc, mr, nr   int
	a            []float32
	ai, ars, aks int
	b            []float32
	bi, bks      int
	c            []float32
	ci, ldc      int
	alpha, beta  float32
	loadC, relu  bool
	bias         []float32 // nil, or the nr biases of the tile's columns
}

// bounds panics, through an index expression, if the tile would reach past
// the end of one of its slices when it reads bcols values per k step of B
// and writes ccols columns of C. The assembly kernels do not check, so this
// turns a driver bug into a panic instead of a silent wild read.
func (t *tileArgs) bounds(bcols, ccols int) {
	_ = t.a[t.ai+(t.mr-1)*t.ars+(t.kc-1)*t.aks]
	_ = t.b[t.bi+(t.kc-1)*t.bks+bcols-1]
	_ = t.c[t.ci+(t.mr-1)*t.ldc+ccols-1]
	if t.bias != nil {
		_ = t.bias[ccols-1]
	}
}

// flags encodes loadC and relu for the assembly kernels.
func (t *tileArgs) flags() int {
	f := 0
	if t.loadC {
		f |= 1
	}
	if t.relu {
		f |= 2
	}
	return f
}

// active is the kernel family Sgemm uses, chosen at start-up from the CPU.
var active = &genericKernel
