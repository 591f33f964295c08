package blas

// scaleC sets C = beta·C, writing zeros without reading C when beta is zero
// so that garbage in an uninitialised C cannot leak through.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// applyEpilogue is the unfused epilogue, for the paths whose kernels cannot
// take it (OpenBLAS, k = 0, alpha = 0).
func applyEpilogue(m, n int, c []float32, ldc int, ep Epilogue) {
	if ep.Bias == nil && !ep.ReLU {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if ep.Bias != nil {
			for j, b := range ep.Bias[:n] {
				row[j] += b
			}
		}
		if ep.ReLU {
			for j, v := range row {
				if v < 0 {
					row[j] = 0
				}
			}
		}
	}
}
