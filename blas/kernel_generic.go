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

// tileGeneric accumulates a 4×4 tile in scalars, each element summed over k
// in order, then applies alpha, beta and the epilogue as the assembly does.
func tileGeneric(t *tileArgs) {
	var acc [4][4]float32
	a, b := t.a, t.b
	for i := 0; i < t.mr; i++ {
		ai := t.ai + i*t.ars
		var c0, c1, c2, c3 float32
		bi := t.bi
		for p := 0; p < t.kc; p++ {
			av := a[ai]
			bp := b[bi : bi+4 : bi+4]
			c0 += av * bp[0]
			c1 += av * bp[1]
			c2 += av * bp[2]
			c3 += av * bp[3]
			ai += t.aks
			bi += t.bks
		}
		acc[i] = [4]float32{c0, c1, c2, c3}
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
