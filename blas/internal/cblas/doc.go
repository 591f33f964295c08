// Package cblas calls OpenBLAS's cblas_sgemm through cgo for package blas's
// openblas build tag. It lives apart from blas because a cgo package cannot
// hold Go assembly. Without the tag it is empty.
package cblas
