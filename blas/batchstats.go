package blas

import "fmt"

// The column statistics of batch normalisation over a rows×cols row-major
// float32 batch, with per-column float64 vectors. Every column is summed row
// by row in order and every operation rounded on its own, whatever the
// implementation: the results are those of the plain float64 loops, bit for
// bit.

// ColSums64 adds each column's sum to acc: acc[j] += Σ_i x[i,j].
func ColSums64(acc []float64, x []float32, rows, cols int) {
	checkCols("ColSums64", rows, cols, x, nil, acc)
	if rows > 0 && cols > 0 {
		colAccImpl(acc[:cols], nil, x[:rows*cols], nil, rows, cols, 0)
	}
}

// ColSqDev64 adds each column's squared deviations from mean to acc:
// acc[j] += Σ_i (x[i,j] − mean[j])².
func ColSqDev64(acc, mean []float64, x []float32, rows, cols int) {
	checkCols("ColSqDev64", rows, cols, x, nil, acc, mean)
	if rows > 0 && cols > 0 {
		colAccImpl(acc[:cols], mean[:cols], x[:rows*cols], nil, rows, cols, 1)
	}
}

// ColDots64 adds each column's inner product of x and y to acc:
// acc[j] += Σ_i x[i,j]·y[i,j].
func ColDots64(acc []float64, x, y []float32, rows, cols int) {
	checkCols("ColDots64", rows, cols, x, y, acc)
	if rows > 0 && cols > 0 {
		colAccImpl(acc[:cols], nil, x[:rows*cols], y[:rows*cols], rows, cols, 2)
	}
}

// Standardize sets dst[i,j] = float32((x[i,j] − mean[j])·rstd[j]).
func Standardize(dst, x []float32, mean, rstd []float64, rows, cols int) {
	checkCols("Standardize", rows, cols, x, dst, mean, rstd)
	if rows > 0 && cols > 0 {
		standardizeImpl(dst[:rows*cols], x[:rows*cols], mean[:cols], rstd[:cols], rows, cols)
	}
}

// BatchNormGrad is batch normalisation's input gradient in training, with
// s1 and s2 the batch means of h = dL/dxhat and of h·xhat:
//
//	v = float32(rstd[j]·((h[i,j] − s1[j]) − xhat[i,j]·s2[j]))
//
// written to dx[i,j], or added to it when add is set.
func BatchNormGrad(dx, h, xhat []float32, s1, s2, rstd []float64, rows, cols int, add bool) {
	checkCols("BatchNormGrad", rows, cols, h, xhat, s1, s2, rstd)
	checkCols("BatchNormGrad", rows, cols, dx, nil)
	if rows > 0 && cols > 0 {
		m := rows * cols
		bnGradImpl(dx[:m], h[:m], xhat[:m], s1[:cols], s2[:cols], rstd[:cols], rows, cols, add)
	}
}

// checkCols panics unless a and b (when not nil) hold rows×cols floats and
// every column vector cols.
func checkCols(op string, rows, cols int, a, b []float32, vecs ...[]float64) {
	if rows < 0 || cols < 0 || len(a) < rows*cols || (b != nil && len(b) < rows*cols) {
		panic(fmt.Sprintf("blas: %s: %d×%d with %d and %d floats", op, rows, cols, len(a), len(b)))
	}
	for _, v := range vecs {
		if len(v) < cols {
			panic(fmt.Sprintf("blas: %s: a column vector of %d for %d columns", op, len(v), cols))
		}
	}
}

func colAccGeneric(acc, mean []float64, x, y []float32, rows, cols, mode int) {
	for i := 0; i < rows; i++ {
		xr := x[i*cols : i*cols+cols]
		switch mode {
		case 0:
			for j, v := range xr {
				acc[j] += float64(v)
			}
		case 1:
			for j, v := range xr {
				d := float64(v) - mean[j]
				acc[j] += d * d
			}
		case 2:
			yr := y[i*cols : i*cols+cols]
			for j, v := range xr {
				acc[j] += float64(v) * float64(yr[j])
			}
		}
	}
}

func standardizeGeneric(dst, x []float32, mean, rstd []float64, rows, cols int) {
	for i := 0; i < rows; i++ {
		xr, dr := x[i*cols:i*cols+cols], dst[i*cols:i*cols+cols]
		for j, v := range xr {
			dr[j] = float32((float64(v) - mean[j]) * rstd[j])
		}
	}
}

func bnGradGeneric(dx, h, xhat []float32, s1, s2, rstd []float64, rows, cols int, add bool) {
	for i := 0; i < rows; i++ {
		hr, xr, dr := h[i*cols:i*cols+cols], xhat[i*cols:i*cols+cols], dx[i*cols:i*cols+cols]
		for j, g := range hr {
			v := float32(rstd[j] * (float64(g) - s1[j] - float64(xr[j])*s2[j]))
			if add {
				dr[j] += v
			} else {
				dr[j] = v
			}
		}
	}
}
