package blas

import "math"

// Constants of the float32 exp, sigmoid and tanh shared by the Go code and
// the generated assembly (internal/asmgen holds the same values).
const (
	expClampLo = -104.0 // e^x < 2^-150 below: the result rounds to 0
	expClampHi = 89.0   // e^x > MaxFloat32 above: the result is +Inf
	log2e      = 1.44269504088896341
	// ln 2 split so that k·ln2Hi is exact for |k| < 2^15 (Cody and Waite).
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
	// Minimax coefficients of (e^r - 1 - r)/r² on |r| ≤ ln2/2 (Cephes expf).
	expP0 = 1.9875691500e-4
	expP1 = 1.3981999507e-3
	expP2 = 8.3334519073e-3
	expP3 = 4.1665795894e-2
	expP4 = 1.6666665459e-1
	expP5 = 5.0000001201e-1
	// tanh uses its odd polynomial below tanhSmall (Cephes tanhf).
	roundMagic = 0x1.8p23
	tanhSmall  = 0.625
	tanhP0     = -5.70498872745e-3
	tanhP1     = 2.06390887954e-2
	tanhP2     = -5.37397155531e-2
	tanhP3     = 1.33314422036e-1
	tanhP4     = -3.33332819422e-1
)

// expf is e^x by range reduction x = k·ln2 + r, |r| ≤ ln2/2, a degree-7
// polynomial for e^r and a scaling by 2^k done in two halves so that
// overflow gives +Inf and underflow rounds once into the subnormals.
func expf(x float32) float32 {
	switch {
	case x < expClampLo:
		x = expClampLo
	case x > expClampHi:
		x = expClampHi
	case x != x:
		return x
	}
	// Adding and removing 1.5·2²³ rounds to the nearest integer (ties to
	// even) in float32 arithmetic, as the assembly's round instruction does.
	k := x*log2e + roundMagic
	k -= roundMagic
	r := x - k*ln2Hi
	r -= k * ln2Lo
	p := expP0*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	p = p*(r*r) + r
	p++
	ki := int32(k)
	k1 := ki >> 1
	k2 := ki - k1
	return p * math.Float32frombits(uint32(k1+127)<<23) * math.Float32frombits(uint32(k2+127)<<23)
}

// sigmoidf is (x<0 ? e : 1)/(1+e) with e = e^-|x|, which cannot overflow.
func sigmoidf(x float32) float32 {
	e := expf(-abs32(x))
	num := float32(1)
	if math.Float32bits(x)>>31 != 0 {
		num = e
	}
	return num / (1 + e)
}

// tanhf works on |x| and copies x's sign onto the result, which keeps -0.
func tanhf(x float32) float32 {
	ax := abs32(x)
	var t float32
	if ax < tanhSmall {
		z := ax * ax
		p := tanhP0*z + tanhP1
		p = p*z + tanhP2
		p = p*z + tanhP3
		p = p*z + tanhP4
		t = p*z*ax + ax
	} else {
		t = 1 - 2/(expf(ax+ax)+1)
	}
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

func expGeneric(dst, src []float32) {
	for i, v := range src {
		dst[i] = expf(v)
	}
}

func sigmoidGeneric(dst, src []float32) {
	for i, v := range src {
		dst[i] = sigmoidf(v)
	}
}

func tanhGeneric(dst, src []float32) {
	for i, v := range src {
		dst[i] = tanhf(v)
	}
}

func axpyGeneric(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// dotGeneric sums in four interleaved partial sums, which lets the CPU
// overlap the additions.
func dotGeneric(x, y []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// biasGradGeneric masks a row of dz by the sign of −int32(bits(y)) rather
// than a branch: about half the units of a ReLU layer are off, at random,
// and a branch would mispredict on every other element.
func biasGradGeneric(db, dz, y []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		zr := dz[i*cols : i*cols+cols]
		if y == nil {
			for j, g := range zr {
				db[j] += g
			}
			continue
		}
		yr := y[i*cols : i*cols+cols]
		for j := range zr {
			keep := uint32(-int32(math.Float32bits(yr[j])) >> 31) // all ones iff y > 0 or y = −0
			g := math.Float32frombits(math.Float32bits(zr[j]) & keep)
			zr[j] = g
			db[j] += g
		}
	}
}

func adamGeneric(w, g, m, v []float32, k [7]float32) {
	b1, c1, b2, c2, step, corr, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6]
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (float32(math.Sqrt(float64(vi)))*corr + eps)
	}
}
