package blas

// gemv computes a call with one column of C (n = 1): the output layer of
// most CTR models (x·w for a logit, xᵀ·dz for its weight gradient) and
// attention scores. The blocked driver would fill one of nr lanes of every
// tile, about 3 GFLOP/s; here each row of op(A)·x is a vector dot product
// (A not transposed) or op(A)·x is a sum of axpys over the stored rows of A
// (A transposed). Each element's summation order depends only on k, so the
// results, which differ in rounding from the blocked driver's, are the same
// whatever the thread count.
func (w *workspace) gemv(g *gemmArgs) {
	m, k := g.m, g.k
	// x is op(B)'s only column, contiguous: B stored 1×k (transposed) or
	// k×1 with unit row stride is used in place, otherwise gathered.
	var x []float32
	switch {
	case g.transB:
		x = g.b[:k]
	case g.ldb == 1:
		x = g.b[:k]
	default:
		w.bp = grow(w.bp, k)
		x = w.bp
		for p := range x {
			x[p] = g.b[p*g.ldb]
		}
	}
	var bias float32
	if g.bias != nil {
		bias = g.bias[0]
	}
	store := func(i int, acc float32) {
		c := &g.c[i*g.ldc]
		v := g.alpha * acc
		if g.beta != 0 {
			v += g.beta * *c
		}
		if g.bias != nil {
			v += bias
		}
		if g.relu && v < 0 {
			v = 0
		}
		*c = v
	}
	if !g.transA {
		for i := 0; i < m; i++ {
			store(i, dotImpl(g.a[i*g.lda:i*g.lda+k], x))
		}
		return
	}
	// op(A)[i][p] = a[p*lda+i]: accumulate x[p] times stored row p.
	w.acc = grow(w.acc, m)
	acc := w.acc
	clear(acc)
	for p, xp := range x {
		axpyImpl(xp, g.a[p*g.lda:p*g.lda+m], acc)
	}
	for i, v := range acc {
		store(i, v)
	}
}
