//go:build !amd64 || purego

package blas

// kernelFamilies lists the SGEMM kernel families this build can run.
func kernelFamilies() []*microKernel { return []*microKernel{&genericKernel} }

// ewImpls lists the element-wise implementations this build can run.
func ewImpls() []ewImpl { return []ewImpl{genericEW} }

// rowsImpls lists the row gather and scatter-add implementations this
// build can run.
func rowsImpls() []rowsImpl { return []rowsImpl{genericRows} }

// statsImpls lists the batch-statistics implementations this build can
// run.
func statsImpls() []statsImpl { return []statsImpl{genericStats} }
