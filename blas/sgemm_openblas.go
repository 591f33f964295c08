//go:build openblas

package blas

import (
	"sync"

	"github.com/recforge/recforge/blas/internal/cblas"
)

// openblasThreads is the thread count last passed to OpenBLAS; a call that
// finds Threads() changed passes the new value on, so OpenBLAS runs
// single-threaded by default like the native kernels.
var (
	openblasMu      sync.Mutex
	openblasThreads = -1
)

// gemm routes the call through cblas_sgemm and applies the epilogue in a
// second pass over C: OpenBLAS has no fused epilogue.
func gemm(g *gemmArgs) {
	openblasMu.Lock()
	if nt := Threads(); nt != openblasThreads {
		cblas.SetThreads(nt)
		openblasThreads = nt
	}
	openblasMu.Unlock()
	cblas.Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
	applyEpilogue(g.m, g.n, g.c, g.ldc, Epilogue{Bias: g.bias, ReLU: g.relu})
}

// backend names the SGEMM implementation this build uses.
func backend() string { return "openblas/" + cblas.CoreName() }
