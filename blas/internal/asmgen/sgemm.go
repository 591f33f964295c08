package main

import (
	"bytes"
	"fmt"
	"strings"
)

const (
	args512 = "(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, mask int)"
	args256 = "(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, mask *int32)"
)

// Argument frame shared by every kernel (ABI0, all strides in bytes):
//
//	kc+0 a+8 ars+16 aks+24 b+32 bks+40 c+48 ldc+56 alpha+64 beta+68
//	flags+72 bias+80 mask+88
//
// flags bit 0: accumulate beta·C (otherwise C is not read); bit 1: ReLU.
// mask: AVX-512: bit j set for each stored column j of the 32; AVX2: a
// pointer to 16 int32 lane masks.
func prologue(s *bytes.Buffer, name, args string, mr int) {
	fmt.Fprintf(s, "\n// func %s%s\n", name, args)
	fmt.Fprintf(s, "TEXT ·%s(SB), NOSPLIT, $0-96\n", name)
	s.WriteString("\tMOVQ kc+0(FP), CX\n")
	s.WriteString("\tMOVQ a+8(FP), SI\n")
	s.WriteString("\tMOVQ ars+16(FP), DX\n")
	s.WriteString("\tMOVQ aks+24(FP), R11\n")
	s.WriteString("\tMOVQ b+32(FP), DI\n")
	s.WriteString("\tMOVQ bks+40(FP), R12\n")
	s.WriteString("\tLEAQ (DX)(DX*2), R10\n")
	if mr > 4 {
		s.WriteString("\tLEAQ (SI)(DX*4), R8\n")
	}
	if mr > 8 {
		s.WriteString("\tLEAQ (R8)(DX*4), R9\n")
	}
}

// prefetchC asks for the tile of C while the k loop runs, so that its load
// and store at the end do not wait on a cache miss. A prefetch never faults,
// so reaching past the last column of an edge tile is harmless.
func prefetchC(s *bytes.Buffer, mr int) {
	s.WriteString("\tMOVQ c+48(FP), BX\n\tMOVQ ldc+56(FP), R13\n")
	for i := 0; i < mr; i++ {
		s.WriteString("\tPREFETCHT0 (BX)\n\tPREFETCHT0 64(BX)\n")
		if i < mr-1 {
			s.WriteString("\tADDQ R13, BX\n")
		}
	}
}

// aAddr is the address of row i of the current k step of A: three base
// registers cover four rows each through the row-step index registers.
func aAddr(i int) string {
	base := []string{"SI", "R8", "R9"}[i/4]
	switch i % 4 {
	case 0:
		return "(" + base + ")"
	case 1:
		return "(" + base + ")(DX*1)"
	case 2:
		return "(" + base + ")(DX*2)"
	}
	return "(" + base + ")(R10*1)"
}

func advance(s *bytes.Buffer, mr int) {
	s.WriteString("\tADDQ R12, DI\n")
	s.WriteString("\tADDQ R11, SI\n")
	if mr > 4 {
		s.WriteString("\tADDQ R11, R8\n")
	}
	if mr > 8 {
		s.WriteString("\tADDQ R11, R9\n")
	}
}

// loops emits the k loop, unrolled four times, around step, with labels
// prefixed by p; it ends by jumping to store.
func loops(s *bytes.Buffer, p string, step func()) {
	fmt.Fprintf(s, "\tCMPQ CX, $4\n\tJLT %stail\n%sloop4:\n", p, p)
	for u := 0; u < 4; u++ {
		step()
	}
	fmt.Fprintf(s, "\tSUBQ $4, CX\n\tCMPQ CX, $4\n\tJGE %sloop4\n%stail:\n", p, p)
	fmt.Fprintf(s, "\tTESTQ CX, CX\n\tJEQ store\n%sloop1:\n", p)
	step()
	fmt.Fprintf(s, "\tDECQ CX\n\tJNE %sloop1\n\tJMP store\n", p)
}

// avx512Kernel: a mr×32 tile of C in Z0..Z23 (row i in Z2i, Z2i+1), B in
// Z24/Z25, A broadcast through Z26..Z31.
func avx512Kernel(s, g *bytes.Buffer, mr int) {
	name := fmt.Sprintf("kern512x%d", mr)
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s%s\n", name, args512)
	prologue(s, name, args512, mr)
	prefetchC(s, mr)
	s.WriteString("\tMOVQ mask+88(FP), AX\n\tKMOVW AX, K1\n\tSHRQ $16, AX\n\tKMOVW AX, K2\n")
	for i := 0; i < 2*mr; i++ {
		fmt.Fprintf(s, "\tVPXORD Z%d, Z%d, Z%d\n", i, i, i)
	}
	step := func(load string, half bool) func() {
		return func() {
			s.WriteString(load)
			for i := 0; i < mr; i++ {
				t := 26 + i%6
				fmt.Fprintf(s, "\tVBROADCASTSS %s, Z%d\n", aAddr(i), t)
				fmt.Fprintf(s, "\tVFMADD231PS Z%d, Z24, Z%d\n", t, 2*i)
				if !half {
					fmt.Fprintf(s, "\tVFMADD231PS Z%d, Z25, Z%d\n", t, 2*i+1)
				}
			}
			advance(s, mr)
		}
	}
	// A partial panel is loaded under the column mask, so that it can be
	// read in place: masked-off lanes are neither read nor faulted on. Full
	// panels take plain loads, which measured 10% faster in the loop.
	s.WriteString("\tCMPL AX, $0xffff\n\tJNE partial\n")
	loops(s, "full", step("\tVMOVUPS (DI), Z24\n\tVMOVUPS 64(DI), Z25\n", false))
	s.WriteString("partial:\n\tTESTL AX, AX\n\tJEQ half\n")
	loops(s, "part", step("\tVMOVUPS.Z (DI), K1, Z24\n\tVMOVUPS.Z 64(DI), K2, Z25\n", false))
	// A panel of at most 16 columns (400 = 12·32 + 16, 390 = 12·32 + 6)
	// leaves the upper accumulators at zero, stored under an empty mask:
	// skipping their FMAs halves the panel's time and changes no stored
	// value.
	s.WriteString("half:\n")
	loops(s, "half", step("\tVMOVUPS.Z (DI), K1, Z24\n", true))
	s.WriteString("store:\n")
	acc := func(f string) {
		for i := 0; i < 2*mr; i++ {
			fmt.Fprintf(s, f, i, i)
		}
	}
	s.WriteString("\tMOVQ c+48(FP), BX\n\tMOVQ ldc+56(FP), R13\n")
	s.WriteString("\tVBROADCASTSS alpha+64(FP), Z26\n")
	acc("\tVMULPS Z26, Z%d, Z%d\n")
	s.WriteString("\tMOVQ flags+72(FP), AX\n\tTESTQ $1, AX\n\tJEQ nobeta\n")
	s.WriteString("\tVBROADCASTSS beta+68(FP), Z27\n\tMOVQ BX, R8\n")
	for i := 0; i < mr; i++ {
		fmt.Fprintf(s, "\tVMOVUPS.Z (R8), K1, Z28\n\tVFMADD231PS Z28, Z27, Z%d\n", 2*i)
		fmt.Fprintf(s, "\tVMOVUPS.Z 64(R8), K2, Z29\n\tVFMADD231PS Z29, Z27, Z%d\n", 2*i+1)
		if i < mr-1 {
			s.WriteString("\tADDQ R13, R8\n")
		}
	}
	s.WriteString("nobeta:\n\tMOVQ bias+80(FP), R9\n\tTESTQ R9, R9\n\tJEQ nobias\n")
	s.WriteString("\tVMOVUPS.Z (R9), K1, Z28\n\tVMOVUPS.Z 64(R9), K2, Z29\n")
	for i := 0; i < mr; i++ {
		fmt.Fprintf(s, "\tVADDPS Z28, Z%d, Z%d\n\tVADDPS Z29, Z%d, Z%d\n", 2*i, 2*i, 2*i+1, 2*i+1)
	}
	// VMAXPS with the accumulator as the second source keeps NaN and -0,
	// matching the scalar rule "if v < 0 { v = 0 }".
	s.WriteString("nobias:\n\tTESTQ $2, AX\n\tJEQ norelu\n\tVPXORD Z30, Z30, Z30\n")
	acc("\tVMAXPS Z%d, Z30, Z%d\n")
	s.WriteString("norelu:\n")
	for i := 0; i < mr; i++ {
		fmt.Fprintf(s, "\tVMOVUPS Z%d, K1, (BX)\n\tVMOVUPS Z%d, K2, 64(BX)\n", 2*i, 2*i+1)
		if i < mr-1 {
			s.WriteString("\tADDQ R13, BX\n")
		}
	}
	s.WriteString("\tVZEROUPPER\n\tRET\n")
}

// avx2Kernel: a mr×16 tile of C in Y0..Y11, B in Y12/Y13, A broadcast
// through Y14/Y15. Edge columns are stored with VMASKMOVPS, full tiles with
// plain moves.
func avx2Kernel(s, g *bytes.Buffer, mr int) {
	name := fmt.Sprintf("kern256x%d", mr)
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s%s\n", name, args256)
	prologue(s, name, args256, mr)
	prefetchC(s, mr)
	for i := 0; i < 2*mr; i++ {
		fmt.Fprintf(s, "\tVXORPS Y%d, Y%d, Y%d\n", i, i, i)
	}
	loops(s, "", func() {
		s.WriteString("\tVMOVUPS (DI), Y12\n\tVMOVUPS 32(DI), Y13\n")
		for i := 0; i < mr; i++ {
			t := 14 + i%2
			fmt.Fprintf(s, "\tVBROADCASTSS %s, Y%d\n", aAddr(i), t)
			fmt.Fprintf(s, "\tVFMADD231PS Y%d, Y12, Y%d\n", t, 2*i)
			fmt.Fprintf(s, "\tVFMADD231PS Y%d, Y13, Y%d\n", t, 2*i+1)
		}
		advance(s, mr)
	})
	s.WriteString("store:\n")
	acc := func(f string) {
		for i := 0; i < 2*mr; i++ {
			fmt.Fprintf(s, f, i, i)
		}
	}
	s.WriteString("\tMOVQ c+48(FP), BX\n\tMOVQ ldc+56(FP), R13\n\tMOVQ mask+88(FP), DX\n")
	s.WriteString("\tVBROADCASTSS alpha+64(FP), Y12\n")
	acc("\tVMULPS Y12, Y%d, Y%d\n")
	s.WriteString("\tVMOVUPS (DX), Y14\n\tVMOVUPS 32(DX), Y15\n")
	s.WriteString("\tMOVL 60(DX), R11\n") // last lane of the mask: all 16 columns stored
	s.WriteString("\tMOVQ flags+72(FP), AX\n\tTESTQ $1, AX\n\tJEQ nobeta\n")
	s.WriteString("\tVBROADCASTSS beta+68(FP), Y13\n\tMOVQ BX, R8\n")
	for i := 0; i < mr; i++ {
		fmt.Fprintf(s, "\tVMASKMOVPS (R8), Y14, Y12\n\tVFMADD231PS Y12, Y13, Y%d\n", 2*i)
		fmt.Fprintf(s, "\tVMASKMOVPS 32(R8), Y15, Y12\n\tVFMADD231PS Y12, Y13, Y%d\n", 2*i+1)
		if i < mr-1 {
			s.WriteString("\tADDQ R13, R8\n")
		}
	}
	s.WriteString("nobeta:\n\tMOVQ bias+80(FP), R9\n\tTESTQ R9, R9\n\tJEQ nobias\n")
	s.WriteString("\tVMASKMOVPS (R9), Y14, Y12\n\tVMASKMOVPS 32(R9), Y15, Y13\n")
	for i := 0; i < mr; i++ {
		fmt.Fprintf(s, "\tVADDPS Y12, Y%d, Y%d\n\tVADDPS Y13, Y%d, Y%d\n", 2*i, 2*i, 2*i+1, 2*i+1)
	}
	s.WriteString("nobias:\n\tTESTQ $2, AX\n\tJEQ norelu\n\tVXORPS Y12, Y12, Y12\n")
	acc("\tVMAXPS Y%d, Y12, Y%d\n")
	s.WriteString("norelu:\n\tTESTL R11, R11\n\tJEQ masked\n")
	store := func(op string) {
		for i := 0; i < mr; i++ {
			s.WriteString(strings.NewReplacer("%a", fmt.Sprint(2*i), "%b", fmt.Sprint(2*i+1)).Replace(op))
			if i < mr-1 {
				s.WriteString("\tADDQ R13, BX\n")
			}
		}
		s.WriteString("\tVZEROUPPER\n\tRET\n")
	}
	store("\tVMOVUPS Y%a, (BX)\n\tVMOVUPS Y%b, 32(BX)\n")
	s.WriteString("masked:\n")
	store("\tVMASKMOVPS Y%a, Y14, (BX)\n\tVMASKMOVPS Y%b, Y15, 32(BX)\n")
}

const argsWide = "(kc int, a *float32, ars, aks int, b *float32, bks int, c *float32, ldc int, alpha, beta float32, flags int, bias *float32, ps int)"

// avx512Wide: an mr×(32·np) tile for the few-row case (a batch of one, the
// last rows of a block), where an mr×32 tile would leave the FMA units
// waiting on their own latency with only 2·mr accumulators. It spans np full
// B panels, ps bytes apart, so every element is still summed over k in
// order and the result is bit-identical to the narrow kernel's. Row i,
// panel j, half h accumulates in Z(2·np·i + 2j + h); B in Z16…Z23; A
// broadcast through Z24/Z25.
func avx512Wide(s, g *bytes.Buffer, mr, np int) {
	name := fmt.Sprintf("kern512x%dp%d", mr, np)
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s%s\n", name, argsWide)
	prologue(s, name, argsWide, mr)
	s.WriteString("\tMOVQ ps+88(FP), R13\n\tLEAQ (R13)(R13*2), BX\n")
	// Prefetch the tile of C (as prefetchC, over np panels).
	s.WriteString("\tMOVQ c+48(FP), AX\n\tMOVQ ldc+56(FP), R9\n")
	for i := 0; i < mr; i++ {
		for l := 0; l < 2*np; l++ {
			fmt.Fprintf(s, "\tPREFETCHT0 %d(AX)\n", 64*l)
		}
		if i < mr-1 {
			s.WriteString("\tADDQ R9, AX\n")
		}
	}
	acc := func(i, j, h int) int { return 2*np*i + 2*j + h }
	for r := 0; r < 2*np*mr; r++ {
		fmt.Fprintf(s, "\tVPXORD Z%d, Z%d, Z%d\n", r, r, r)
	}
	bAddr := func(j, off int) string {
		return fmt.Sprintf("%d%s", off, []string{"(DI)", "(DI)(R13*1)", "(DI)(R13*2)", "(DI)(BX*1)"}[j])
	}
	loops(s, "", func() {
		for j := 0; j < np; j++ {
			fmt.Fprintf(s, "\tVMOVUPS %s, Z%d\n\tVMOVUPS %s, Z%d\n", bAddr(j, 0), 16+2*j, bAddr(j, 64), 17+2*j)
		}
		for i := 0; i < mr; i++ {
			t := 24 + i%2
			fmt.Fprintf(s, "\tVBROADCASTSS %s, Z%d\n", aAddr(i), t)
			for j := 0; j < np; j++ {
				for h := 0; h < 2; h++ {
					fmt.Fprintf(s, "\tVFMADD231PS Z%d, Z%d, Z%d\n", t, 16+2*j+h, acc(i, j, h))
				}
			}
		}
		advance(s, mr)
	})
	s.WriteString("store:\n")
	all := func(f string) {
		for r := 0; r < 2*np*mr; r++ {
			fmt.Fprintf(s, f, r, r)
		}
	}
	s.WriteString("\tMOVQ c+48(FP), BX\n\tMOVQ ldc+56(FP), R13\n")
	s.WriteString("\tVBROADCASTSS alpha+64(FP), Z24\n")
	all("\tVMULPS Z24, Z%d, Z%d\n")
	s.WriteString("\tMOVQ flags+72(FP), AX\n\tTESTQ $1, AX\n\tJEQ nobeta\n")
	s.WriteString("\tVBROADCASTSS beta+68(FP), Z25\n\tMOVQ BX, R8\n")
	for i := 0; i < mr; i++ {
		for l := 0; l < 2*np; l++ {
			fmt.Fprintf(s, "\tVFMADD231PS %d(R8), Z25, Z%d\n", 64*l, 2*np*i+l)
		}
		if i < mr-1 {
			s.WriteString("\tADDQ R13, R8\n")
		}
	}
	s.WriteString("nobeta:\n\tMOVQ bias+80(FP), R9\n\tTESTQ R9, R9\n\tJEQ nobias\n")
	for l := 0; l < 2*np; l++ {
		fmt.Fprintf(s, "\tVMOVUPS %d(R9), Z%d\n", 64*l, 16+l)
	}
	for i := 0; i < mr; i++ {
		for l := 0; l < 2*np; l++ {
			r := 2*np*i + l
			fmt.Fprintf(s, "\tVADDPS Z%d, Z%d, Z%d\n", 16+l, r, r)
		}
	}
	s.WriteString("nobias:\n\tTESTQ $2, AX\n\tJEQ norelu\n\tVPXORD Z24, Z24, Z24\n")
	all("\tVMAXPS Z%d, Z24, Z%d\n")
	s.WriteString("norelu:\n")
	for i := 0; i < mr; i++ {
		for l := 0; l < 2*np; l++ {
			fmt.Fprintf(s, "\tVMOVUPS Z%d, %d(BX)\n", 2*np*i+l, 64*l)
		}
		if i < mr-1 {
			s.WriteString("\tADDQ R13, BX\n")
		}
	}
	s.WriteString("\tVZEROUPPER\n\tRET\n")
}
