//go:build !amd64 || purego

package blas

// kernelFamilies lists the kernel families this build can run.
func kernelFamilies() []*microKernel { return []*microKernel{&genericKernel} }
