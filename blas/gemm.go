//go:build !openblas

package blas

// gemm runs a validated call on the native kernels.
func gemm(g *gemmArgs) { gemmNative(g) }

// backend names the SGEMM implementation this build uses.
func backend() string { return active.name }
