//go:build openblas

package cblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

// Sgemm is cblas_sgemm over row-major matrices. The caller has validated the
// shapes and guarantees m, n, k > 0, so the slices are non-empty.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}

// SetThreads sets OpenBLAS's thread count.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// CoreName reports the kernel family OpenBLAS picked for this CPU.
func CoreName() string { return C.GoString(C.openblas_get_corename()) }
