//go:build !purego

package blas

import "golang.org/x/sys/cpu"

// init picks the widest assembly the CPU and OS support; without AVX2 and
// FMA the portable Go stays in place.
func init() {
	switch {
	case cpu.X86.HasAVX512F:
		active = &avx512Kernel
		expImpl, sigmoidImpl, tanhImpl = exp512, sigmoid512, tanh512
		axpyImpl, dotImpl = axpy512, dot512
		biasGradImpl, adamImpl = biasGradAVX512, adam512
		gatherRowsImpl, scatterAddRowsImpl, adamRowsImpl = gatherRowsAVX512, scatterAddRowsAVX512, adamRowsAVX512
		if cpu.X86.HasAVX512VL {
			colAccImpl, standardizeImpl, bnGradImpl = colAccAVX512, standardizeAVX512, bnGradAVX512
		}
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		active = &avx2Kernel
		expImpl, sigmoidImpl, tanhImpl = exp256, sigmoid256, tanh256
		axpyImpl, dotImpl = axpy256, dot256
	}
}
