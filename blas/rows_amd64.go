//go:build !purego

package blas

// gatherRowsAVX512 and scatterAddRowsAVX512 call the assembly on arguments
// their callers have checked.
func gatherRowsAVX512(dst, src []float32, ld int, idx []int32, w int) {
	gatherRows512(&dst[0], &src[0], ld, &idx[0], len(idx), w)
}

func scatterAddRowsAVX512(dst []float32, ld int, idx []int32, src []float32, w int) {
	scatterAddRows512(&dst[0], ld, &idx[0], &src[0], len(idx), w)
}

func adamRowsAVX512(data []float32, stride int, rows []int32, grad []float32, dim int, k [7]float32) {
	adamRows512(&data[0], stride, &rows[0], &grad[0], len(rows), dim, k)
}

// The batch-statistics loops use AVX-512VL for their 8-float halves.
func colAccAVX512(acc, mean []float64, x, y []float32, rows, cols, mode int) {
	var mp *float64
	var yp *float32
	if mean != nil {
		mp = &mean[0]
	}
	if y != nil {
		yp = &y[0]
	}
	colAcc64(&acc[0], mp, &x[0], yp, rows, cols, mode)
}

func standardizeAVX512(dst, x []float32, mean, rstd []float64, rows, cols int) {
	normRows64(&dst[0], &x[0], &mean[0], &rstd[0], rows, cols)
}

func bnGradAVX512(dx, h, xhat []float32, s1, s2, rstd []float64, rows, cols int, add bool) {
	a := 0
	if add {
		a = 1
	}
	bnBackRows64(&dx[0], &h[0], &xhat[0], &s1[0], &s2[0], &rstd[0], rows, cols, a)
}
