//go:build !purego

package blas

import "golang.org/x/sys/cpu"

// kernelFamilies lists the kernel families this CPU can run.
func kernelFamilies() []*microKernel {
	ks := []*microKernel{&genericKernel}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx2Kernel)
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, &avx512Kernel)
	}
	return ks
}
