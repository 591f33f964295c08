package blas

// Epilogue describes element-wise work fused into the store of an SGEMM
// result, applied after C = alpha·op(A)·op(B) + beta·C.
type Epilogue struct {
	// Bias, when non-nil, holds n values; Bias[j] is added to every row's
	// column j.
	Bias []float32
	// ReLU clamps the result at zero after the bias is added. Like the
	// scalar rule "if v < 0 { v = 0 }", it keeps NaN and -0.
	ReLU bool
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C over row-major float32
// matrices, where op(X) is X or Xᵀ as transA and transB say. op(A) is m×k,
// op(B) is k×n and C is m×n; lda, ldb and ldc are the row strides of the
// stored matrices. When beta is zero, C need not be initialised: it is not
// read, so NaN garbage in it does not propagate. When alpha is zero or k is
// zero, A and B are not read.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmEpilogue(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Epilogue{})
}

// SgemmEpilogue is Sgemm followed by the epilogue ep, fused into the
// kernels' store so that C is written once.
func SgemmEpilogue(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		applyEpilogue(m, n, c, ldc, ep)
		return
	}
	g := gemmArgs{
		transA: transA, transB: transB,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
		bias: ep.Bias, relu: ep.ReLU,
	}
	if g.bias != nil {
		g.bias = g.bias[:n]
	}
	gemm(&g)
}

// gemmArgs is one validated SGEMM call with m, n, k > 0 and alpha ≠ 0.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	bias           []float32 // nil or exactly n values
	relu           bool
}

// checkArgs panics with a precise message when the shapes and strides do not
// describe slices of the given lengths: a programming error, not bad data.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if m < 0 || n < 0 || k < 0 {
		panic("blas: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, rows, cols, ld, have int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic("blas: " + name + ": leading dimension smaller than row width")
		}
		if (rows-1)*ld+cols > have {
			panic("blas: " + name + ": slice too short for its shape")
		}
	}
	need("A", ar, ac, lda, len(a))
	need("B", br, bc, ldb, len(b))
	need("C", m, n, ldc, len(c))
	if ep.Bias != nil && len(ep.Bias) < n {
		panic("blas: epilogue bias shorter than n")
	}
}
