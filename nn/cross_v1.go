package nn

import "github.com/recforge/recforge/blas"

// The CrossV1 stack in closed form. A layer x_{l+1} = x0·s_l + b_l + x_l,
// s_l = x_l·w_l, adds to x_l only a multiple of x0 and a bias, so by
// induction from x_0 = x0
//
//	x_l = α_l·x0 + B_l,   α_0 = 1, α_{l+1} = α_l + s_l,
//	                      B_0 = 0, B_{l+1} = B_l + b_l,
//	s_l = α_l·p_l + q_l,  p_l = x0·w_l, q_l = B_l·w_l.
//
// Forward thus needs, per example, the L dot products p_l and one scaled
// copy of x0; the x_l are never stored, and a projection v·x_L needs no
// copy at all (ForwardProject). Backward follows the same algebra.
// With g_{l+1} = dL/dx_{l+1} and ds_l = dL/ds_l = g_{l+1}·x0, the layer
// rules dL/dx_l = g_{l+1} + ds_l·w_l, dL/dw_l += ds_l·x_l, dL/db_l +=
// g_{l+1} and dL/dx0 += s_l·g_{l+1} (plus g_0, x0 being x_0) give, from
// g_L = dL/dx_L = g and r = g·x0:
//
//	ds_{L−1} = r,  ds_l = r + Σ_{k>l} ds_k·p_k
//	dL/dx0   = α_L·g + Σ_l ds_l·α_l·w_l
//	dL/dw_l += ds_l·α_l·x0 + ds_l·B_l
//	dL/db_l += g + Σ_{k>l} ds_k·w_k
//
// so an example costs one dot product and 2L+2 vector updates, each over
// rows of d values that stay in the first-level cache, instead of L passes
// over the batch's x_l. The batch sums of g and of ds_l (kept in float64)
// enter the bias and B_l terms once per batch. Rounding differs from the
// layer-by-layer order, the function and its gradients do not.

// prepareV1 computes the batch's constants from the current weights: the
// bias sums B_1 … B_L and q_l = B_l·w_l.
func (c *Cross) prepareV1() {
	d, L := c.Dim, c.Layers
	for l := range L {
		bs := c.bsum[l*d : (l+1)*d]
		if l == 0 {
			clear(bs)
			c.q[0] = 0
		} else {
			copy(bs, c.bsum[(l-1)*d:l*d])
			c.q[l] = blas.Dot(bs, c.W.W[l*d:(l+1)*d])
		}
		blas.Axpy(1, c.B.W[l*d:(l+1)*d], bs)
	}
}

// rowV1 computes and keeps example b's p_l and α_{l+1}, and returns α_L.
func (c *Cross) rowV1(b int) float32 {
	d, L := c.Dim, c.Layers
	x0b := c.x0[b*d : (b+1)*d]
	alpha, p := c.alpha[b*L:(b+1)*L], c.p[b*L:(b+1)*L]
	a := float32(1)
	for l := range L {
		p[l] = blas.Dot(x0b, c.W.W[l*d:(l+1)*d])
		a += a*p[l] + c.q[l]
		alpha[l] = a
	}
	return a
}

// forwardV1 writes x_L = α_L·x0 + B_L of each example to c.out.
func (c *Cross) forwardV1() {
	n, d, L := c.n, c.Dim, c.Layers
	c.prepareV1()
	bL := c.bsum[(L-1)*d : L*d]
	for b := range n {
		a := c.rowV1(b)
		ob := c.out[b*d : (b+1)*d]
		copy(ob, bL)
		blas.Axpy(a, c.x0[b*d:(b+1)*d], ob)
	}
}

// projectV1 sets dst[b] = v·x_L = α_L·(v·x0) + v·B_L, keeping v·x0 for
// Backward; x_L is never written.
func (c *Cross) projectV1(v, dst []float32) {
	n, d, L := c.n, c.Dim, c.Layers
	c.prepareV1()
	qv := blas.Dot(c.bsum[(L-1)*d:L*d], v)
	for b := range n {
		a := c.rowV1(b)
		c.pv[b] = blas.Dot(c.x0[b*d:(b+1)*d], v)
		dst[b] = a*c.pv[b] + qv
	}
}

// backwardV1 accumulates the weight and bias gradients and adds dL/dx0 to
// dx0. With v nil, dy holds dL/dx_L (n×Dim); otherwise dy holds dL/dz for
// the projections z = v·x_L (n values), dL/dx_L = dz_b·v is never formed,
// and Σ_b dz_b·x_L,b = Σ_b dz_b·α_L·x0 + (Σ_b dz_b)·B_L is added to dv. The
// examples' terms are added in order, so the sums do not depend on how the
// batch is scheduled.
func (c *Cross) backwardV1(dy, v, dv, dx0 []float32) {
	n, d, L := c.n, c.Dim, c.Layers
	clear(c.gsum)
	clear(c.dsum)
	var zsum float64 // Σ dz_b (projection)
	for b := range n {
		x0b, dxb := c.x0[b*d:(b+1)*d], dx0[b*d:(b+1)*d]
		aL := c.alpha[(b+1)*L-1]
		var r float32 // dL/dx_L · x0
		if v == nil {
			gb := dy[b*d : (b+1)*d]
			r = blas.Dot(gb, x0b)
			blas.Axpy(1, gb, c.gsum)
			blas.Axpy(aL, gb, dxb)
		} else {
			z := dy[b]
			r = z * c.pv[b]
			zsum += float64(z)
			blas.Axpy(aL*z, v, dxb)
			blas.Axpy(z*aL, x0b, dv)
		}
		c.layersBackV1(b, r, x0b, dxb)
	}
	if v != nil {
		blas.Axpy(float32(zsum), v, c.gsum)
		blas.Axpy(float32(zsum), c.bsum[(L-1)*d:L*d], dv)
	}
	for l := range L {
		gw, gbias := c.W.G[l*d:(l+1)*d], c.B.G[l*d:(l+1)*d]
		if l > 0 {
			blas.Axpy(float32(c.dsum[l]), c.bsum[(l-1)*d:l*d], gw)
		}
		blas.Axpy(1, c.gsum, gbias)
		for k := l + 1; k < L; k++ {
			blas.Axpy(float32(c.dsum[k]), c.W.W[k*d:(k+1)*d], gbias)
		}
	}
}

// layersBackV1 is example b's share of the layers' gradients given
// r = dL/dx_L·x0: the ds_l, their batch sums, dL/dw_l += ds_l·α_l·x0 and
// dL/dx0 += Σ_l ds_l·α_l·w_l.
func (c *Cross) layersBackV1(b int, r float32, x0b, dxb []float32) {
	d, L := c.Dim, c.Layers
	alpha, p, ds := c.alpha[b*L:(b+1)*L], c.p[b*L:(b+1)*L], c.ds
	t := r
	for l := L - 1; l >= 0; l-- {
		ds[l] = t
		t += t * p[l]
		c.dsum[l] += float64(ds[l])
	}
	for l := range L {
		u := ds[l] // ds_l·α_l, α_0 = 1
		if l > 0 {
			u *= alpha[l-1]
		}
		blas.Axpy(u, x0b, c.W.G[l*d:(l+1)*d])
		blas.Axpy(u, c.W.W[l*d:(l+1)*d], dxb)
	}
}
