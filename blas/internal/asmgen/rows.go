package main

import (
	"bytes"
	"fmt"
)

// rows writes the AVX-512 row gather and scatter-add of embedding lookups:
//
//	gatherRows512(dst, src *float32, ld int, idx *int32, n, w int)
//	    dst[i·w : (i+1)·w] = src[idx[i]·ld : idx[i]·ld+w]
//	scatterAddRows512(dst *float32, ld int, idx *int32, src *float32, n, w int)
//	    dst[idx[i]·ld : idx[i]·ld+w] += src[i·w : (i+1)·w], i in order,
//	    rows with a negative idx skipped
//
// ld and w count floats; the Go wrappers have checked every index. Rows
// are moved in 16-float chunks, the w mod 16 rest under mask K1. A loop
// without calls lets the out-of-order core keep many rows' cache misses in
// flight, which a memmove call per row does not.
func rows(s, g *bytes.Buffer) {
	g.WriteString("\n//go:noescape\nfunc gatherRows512(dst, src *float32, ld int, idx *int32, n, w int)\n")
	g.WriteString("\n//go:noescape\nfunc scatterAddRows512(dst *float32, ld int, idx *int32, src *float32, n, w int)\n")
	for _, add := range []bool{false, true} {
		name := map[bool]string{false: "gatherRows512", true: "scatterAddRows512"}[add]
		fmt.Fprintf(s, "\n// func %s\nTEXT ·%s(SB), NOSPLIT, $0-48\n", name, name)
		// DI walks the contiguous side, SI is the base of the indexed side.
		if add {
			s.WriteString("\tMOVQ dst+0(FP), SI\n\tMOVQ ld+8(FP), R8\n\tMOVQ idx+16(FP), DX\n\tMOVQ src+24(FP), DI\n")
		} else {
			s.WriteString("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ ld+16(FP), R8\n\tMOVQ idx+24(FP), DX\n")
		}
		s.WriteString(`	MOVQ n+32(FP), R10
	MOVQ w+40(FP), R9
	SHLQ $2, R8
	MOVQ R9, CX
	ANDQ $15, CX
	LEAQ (CX*4), R12
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	SHRQ $4, R9
	LEAQ (R9*4), R13
	SHLQ $4, R13
	ADDQ R12, R13
`)
		// R13 is the row's width in bytes, R12 its masked rest.
		fmt.Fprintf(s, "%s_row:\n\tTESTQ R10, R10\n\tJEQ %s_done\n\tMOVLQSX (DX), AX\n", name, name)
		if add {
			fmt.Fprintf(s, "\tTESTQ AX, AX\n\tJGE %s_go\n\tADDQ R13, DI\n\tJMP %s_next\n%s_go:\n", name, name, name)
		}
		fmt.Fprintf(s, "\tIMULQ R8, AX\n\tLEAQ (SI)(AX*1), BX\n\tMOVQ R9, R11\n")
		fmt.Fprintf(s, "%s_chunk:\n\tTESTQ R11, R11\n\tJEQ %s_tail\n", name, name)
		if add {
			s.WriteString("\tVMOVUPS (BX), Z0\n\tVADDPS (DI), Z0, Z0\n\tVMOVUPS Z0, (BX)\n")
		} else {
			s.WriteString("\tVMOVUPS (BX), Z0\n\tVMOVUPS Z0, (DI)\n")
		}
		fmt.Fprintf(s, "\tADDQ $64, BX\n\tADDQ $64, DI\n\tDECQ R11\n\tJMP %s_chunk\n", name)
		fmt.Fprintf(s, "%s_tail:\n\tKORTESTW K1, K1\n\tJEQ %s_next\n", name, name)
		if add {
			s.WriteString("\tVMOVUPS.Z (BX), K1, Z0\n\tVMOVUPS.Z (DI), K1, Z1\n\tVADDPS Z1, Z0, Z0\n\tVMOVUPS Z0, K1, (BX)\n")
		} else {
			s.WriteString("\tVMOVUPS.Z (BX), K1, Z0\n\tVMOVUPS Z0, K1, (DI)\n")
		}
		s.WriteString("\tADDQ R12, DI\n")
		fmt.Fprintf(s, "%s_next:\n\tADDQ $4, DX\n\tDECQ R10\n\tJMP %s_row\n", name, name)
		fmt.Fprintf(s, "%s_done:\n\tVZEROUPPER\n\tRET\n", name)
	}
}
