// Package blas provides the float32 dense kernels recforge trains and serves
// with: a row-major SGEMM with optional fused epilogues (bias, ReLU), and
// vectorized element-wise functions (exp, sigmoid, tanh) used by gates and
// attention.
//
// The default build picks Go-assembly micro-kernels for AVX-512 or AVX2+FMA at
// run time from the CPU's features and falls back to a portable pure-Go path
// elsewhere. The purego build tag forces the portable path; the openblas build
// tag routes Sgemm through cblas_sgemm (cgo) for comparison.
//
// The package knows nothing of layers, models or training: it computes on
// flat slices and never allocates on its hot paths.
package blas
