//go:build !purego

package blas

//go:generate go run ./internal/asmgen

// kernel512Func and kernel256Func are the signatures of the generated
// assembly kernels (strides in bytes). mask selects the stored columns: a
// bit per column for AVX-512, a pointer to 16 VMASKMOVPS lane masks for AVX2.
type (
	kernel512Func  func(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, mask int)
	kernelWideFunc func(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, ps int)
	kernel256Func  func(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, mask *int32)
)

// wideKernel is a wide AVX-512 kernel and the number of panels it spans.
type wideKernel struct {
	f  kernelWideFunc
	np int
}

// avx512Kernel keeps a 12×32 tile of C in 24 zmm registers; tiles of 1 to 3
// rows span 2 or 4 panels.
var avx512Kernel = microKernel{
	name: "avx512",
	mr:   12, nr: 32,
	kc: 512, mc: 192, nc: 4096,
	tile:       tileAVX512,
	partialB:   true,
	widePanels: [4]int{0, kernelsWide512[1].np, kernelsWide512[2].np, kernelsWide512[3].np},
	wideTile:   tileWideAVX512,
}

// avx2Kernel keeps a 6×16 tile of C in 12 ymm registers.
var avx2Kernel = microKernel{
	name: "avx2",
	mr:   6, nr: 16,
	kc: 256, mc: 120, nc: 4096,
	tile: tileAVX2,
}

// biasPtr is the kernels' bias argument: nil for none.
func biasPtr(t *tileArgs) *float32 {
	if t.bias == nil {
		return nil
	}
	return &t.bias[0]
}

// tileAVX512 reads t.nr values per k step of B: a partial panel goes
// through the masked loop.
func tileAVX512(t *tileArgs) {
	t.bounds(t.nr, t.nr)
	kernels512[t.mr](t.kc, &t.a[t.ai], t.ars*4, t.aks*4, &t.b[t.bi], t.bks*4,
		&t.c[t.ci], t.ldc*4, t.alpha, t.beta, t.flags(), biasPtr(t), 1<<t.nr-1)
}

func tileWideAVX512(t *tileArgs, panelStride int) {
	np := kernelsWide512[t.mr].np
	t.bounds((np-1)*panelStride+32, np*32)
	kernelsWide512[t.mr].f(t.kc, &t.a[t.ai], t.ars*4, t.aks*4, &t.b[t.bi], t.bks*4,
		&t.c[t.ci], t.ldc*4, t.alpha, t.beta, t.flags(), biasPtr(t), panelStride*4)
}

// laneMasks[16-nr:] is the VMASKMOVPS mask storing the first nr of 16 lanes.
var laneMasks = [32]int32{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}

// tileAVX2 reads all 16 values per k step of B: partial panels are packed.
func tileAVX2(t *tileArgs) {
	t.bounds(16, t.nr)
	mask := &laneMasks[16-t.nr]
	kernels256[t.mr](t.kc, &t.a[t.ai], t.ars*4, t.aks*4, &t.b[t.bi], t.bks*4,
		&t.c[t.ci], t.ldc*4, t.alpha, t.beta, t.flags(), biasPtr(t), mask)
}
