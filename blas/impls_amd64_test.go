//go:build !purego

package blas

import "golang.org/x/sys/cpu"

// kernelFamilies lists the SGEMM kernel families this CPU can run.
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

// ewImpls lists the element-wise implementations this CPU can run.
func ewImpls() []ewImpl {
	is := []ewImpl{genericEW}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		is = append(is, ewImpl{"avx2", exp256, sigmoid256, tanh256, axpy256, dot256, biasGradGeneric, adamGeneric})
	}
	if cpu.X86.HasAVX512F {
		is = append(is, ewImpl{"avx512", exp512, sigmoid512, tanh512, axpy512, dot512, biasGradAVX512, adam512})
	}
	return is
}

// rowsImpls lists the row gather and scatter-add implementations this CPU
// can run.
func rowsImpls() []rowsImpl {
	is := []rowsImpl{genericRows}
	if cpu.X86.HasAVX512F {
		is = append(is, rowsImpl{"avx512", gatherRowsAVX512, scatterAddRowsAVX512, adamRowsAVX512})
	}
	return is
}

// statsImpls lists the batch-statistics implementations this CPU can run.
func statsImpls() []statsImpl {
	is := []statsImpl{genericStats}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		is = append(is, statsImpl{"avx512", colAccAVX512, standardizeAVX512, bnGradAVX512})
	}
	return is
}
