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
