package blas

// genericKernel is the portable micro-kernel: plain Go over the same packed
// layout as the assembly kernels, used where no assembly kernel fits the CPU
// and under the purego build tag.
var genericKernel = microKernel{
	name: "generic",
	mr:   4, nr: 4,
	kc: 256, mc: 128, nc: 1024,
	tile: tileGeneric,
}

// tileGeneric accumulates a 4×4 tile two rows at a time in eight scalars
// (what fits the SSE registers alongside the operands), each element summed
// over k in order, then applies alpha, beta and the epilogue as the assembly
// does.
func tileGeneric(t *tileArgs) {
	var acc [4][4]float32
	a, b := t.a, t.b
	for i := 0; i < t.mr; i += 2 {
		ai := t.ai + i*t.ars
		bi := t.bi
		var c00, c01, c02, c03, c10, c11, c12, c13 float32
		if i+1 < t.mr {
			ai1 := ai + t.ars
			for p := 0; p < t.kc; p++ {
				a0, a1 := a[ai], a[ai1]
				bp := b[bi : bi+4 : bi+4]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				ai += t.aks
				ai1 += t.aks
				bi += t.bks
			}
		} else {
			for p := 0; p < t.kc; p++ {
				a0 := a[ai]
				bp := b[bi : bi+4 : bi+4]
				c00 += a0 * bp[0]
				c01 += a0 * bp[1]
				c02 += a0 * bp[2]
				c03 += a0 * bp[3]
				ai += t.aks
				bi += t.bks
			}
		}
		acc[i] = [4]float32{c00, c01, c02, c03}
		acc[i+1] = [4]float32{c10, c11, c12, c13}
	}
	for i := 0; i < t.mr; i++ {
		row := t.c[t.ci+i*t.ldc : t.ci+i*t.ldc+t.nr]
		for j := range row {
			v := t.alpha * acc[i][j]
			if t.loadC {
				v += t.beta * row[j]
			}
			if t.bias != nil {
				v += t.bias[j]
			}
			if t.relu && v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
}
