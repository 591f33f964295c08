package main

import (
	"bytes"
	"fmt"
)

// batchStats writes the AVX-512 loops of batch normalisation's statistics,
// each over an n×w row-major float32 batch with per-column float64
// vectors, eight columns per vector, the w mod 8 rest under mask K1. Rows
// are walked in order, so every column sums in row order; each operation is
// rounded on its own (no fused multiply-add), as the Go loops compute:
//
//	colAcc64(acc, mean *float64, x, y *float32, n, w, mode int)
//	    mode 0: acc[j] += x[i,j]
//	    mode 1: acc[j] += (x[i,j] − mean[j])²
//	    mode 2: acc[j] += x[i,j]·y[i,j]
//	normRows64(dst, x *float32, mean, rstd *float64, n, w int)
//	    dst[i,j] = float32((x[i,j] − mean[j])·rstd[j])
//	bnBackRows64(dx, h, xhat *float32, s1, s2, rstd *float64, n, w, add int)
//	    v = float32(rstd[j]·((h[i,j] − s1[j]) − xhat[i,j]·s2[j])); dx = v, or dx += v
func batchStats(s, g *bytes.Buffer) {
	g.WriteString("\n//go:noescape\nfunc colAcc64(acc, mean *float64, x, y *float32, n, w, mode int)\n")
	g.WriteString("\n//go:noescape\nfunc normRows64(dst, x *float32, mean, rstd *float64, n, w int)\n")
	g.WriteString("\n//go:noescape\nfunc bnBackRows64(dx, h, xhat *float32, s1, s2, rstd *float64, n, w, add int)\n")

	// Shared set-up: R9 = w, R12 = full chunks, K1 = rest mask, R13 = row
	// bytes of float32 (4w).
	setup := func(wOff int) string {
		return fmt.Sprintf(`	MOVQ w+%d(FP), R9
	LEAQ (R9*4), R13
	MOVQ R9, CX
	ANDQ $7, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ R9, R12
	SHRQ $3, R12
`, wOff)
	}

	// colAcc64: acc at DI, mean at R8, x at SI, y at DX.
	s.WriteString("\n// func colAcc64(acc, mean *float64, x, y *float32, n, w, mode int)\nTEXT ·colAcc64(SB), NOSPLIT, $0-56\n")
	s.WriteString("\tMOVQ acc+0(FP), DI\n\tMOVQ mean+8(FP), R8\n\tMOVQ x+16(FP), SI\n\tMOVQ y+24(FP), DX\n\tMOVQ n+32(FP), R10\n")
	s.WriteString(setup(40))
	s.WriteString("\tMOVQ mode+48(FP), AX\n\tCMPQ AX, $1\n\tJEQ ca1_row\n\tCMPQ AX, $2\n\tJEQ ca2_row\n")
	for mode := 0; mode < 3; mode++ {
		p := fmt.Sprintf("ca%d_", mode)
		fmt.Fprintf(s, "%srow:\n\tTESTQ R10, R10\n\tJEQ ca_done\n\tXORQ BX, BX\n\tMOVQ R12, R11\n", p)
		chunk := func(masked bool) {
			ldps, z := "VMOVUPS", ""
			if masked {
				ldps, z = "VMOVUPS.Z", " K1,"
			}
			// BX indexes chunks: float32 offset BX*4, float64 offset BX*8.
			fmt.Fprintf(s, "\t%s (SI)(BX*4),%s Y0\n\tVCVTPS2PD Y0, Z0\n", ldps, z)
			switch mode {
			case 1:
				fmt.Fprintf(s, "\tVMOVUPD.Z (R8)(BX*8), K2, Z1\n\tVSUBPD Z1, Z0, Z0\n\tVMULPD Z0, Z0, Z0\n")
			case 2:
				fmt.Fprintf(s, "\t%s (DX)(BX*4),%s Y1\n\tVCVTPS2PD Y1, Z1\n\tVMULPD Z1, Z0, Z0\n", ldps, z)
			}
			fmt.Fprintf(s, "\tVMOVUPD.Z (DI)(BX*8), K2, Z2\n\tVADDPD Z0, Z2, Z2\n\tVMOVUPD Z2, K2, (DI)(BX*8)\n")
		}
		// K2 is all eight lanes in the loop, K1 for the rest.
		fmt.Fprintf(s, "\tKXNORW K2, K2, K2\n%schunk:\n\tTESTQ R11, R11\n\tJEQ %stail\n", p, p)
		chunk(false)
		fmt.Fprintf(s, "\tADDQ $8, BX\n\tDECQ R11\n\tJMP %schunk\n", p)
		fmt.Fprintf(s, "%stail:\n\tKORTESTW K1, K1\n\tJEQ %snext\n\tKMOVW K1, K2\n", p, p)
		chunk(true)
		fmt.Fprintf(s, "%snext:\n\tADDQ R13, SI\n\tADDQ R13, DX\n\tDECQ R10\n\tJMP %srow\n", p, p)
	}
	s.WriteString("ca_done:\n\tVZEROUPPER\n\tRET\n")

	// normRows64: dst at DI, x at SI, mean at R8, rstd at DX.
	s.WriteString("\n// func normRows64(dst, x *float32, mean, rstd *float64, n, w int)\nTEXT ·normRows64(SB), NOSPLIT, $0-48\n")
	s.WriteString("\tMOVQ dst+0(FP), DI\n\tMOVQ x+8(FP), SI\n\tMOVQ mean+16(FP), R8\n\tMOVQ rstd+24(FP), DX\n\tMOVQ n+32(FP), R10\n")
	s.WriteString(setup(40))
	s.WriteString("nr_row:\n\tTESTQ R10, R10\n\tJEQ nr_done\n\tXORQ BX, BX\n\tMOVQ R12, R11\n")
	nchunk := func(masked bool) {
		ldps, z := "VMOVUPS", ""
		if masked {
			ldps, z = "VMOVUPS.Z", " K1,"
		}
		fmt.Fprintf(s, "\t%s (SI)(BX*4),%s Y0\n\tVCVTPS2PD Y0, Z0\n", ldps, z)
		s.WriteString("\tVMOVUPD.Z (R8)(BX*8), K2, Z1\n\tVSUBPD Z1, Z0, Z0\n\tVMOVUPD.Z (DX)(BX*8), K2, Z1\n\tVMULPD Z1, Z0, Z0\n\tVCVTPD2PS Z0, Y0\n")
		fmt.Fprintf(s, "\tVMOVUPS Y0,%s (DI)(BX*4)\n", z)
	}
	s.WriteString("\tKXNORW K2, K2, K2\nnr_chunk:\n\tTESTQ R11, R11\n\tJEQ nr_tail\n")
	nchunk(false)
	s.WriteString("\tADDQ $8, BX\n\tDECQ R11\n\tJMP nr_chunk\n")
	s.WriteString("nr_tail:\n\tKORTESTW K1, K1\n\tJEQ nr_next\n\tKMOVW K1, K2\n")
	nchunk(true)
	s.WriteString("nr_next:\n\tADDQ R13, SI\n\tADDQ R13, DI\n\tDECQ R10\n\tJMP nr_row\nnr_done:\n\tVZEROUPPER\n\tRET\n")

	// bnBackRows64: dx at DI, h at SI, xhat at DX, s1 at R8; s2 (CX) and
	// rstd (AX) are loaded per row, after the set-up has used both.
	s.WriteString("\n// func bnBackRows64(dx, h, xhat *float32, s1, s2, rstd *float64, n, w, add int)\nTEXT ·bnBackRows64(SB), NOSPLIT, $0-72\n")
	s.WriteString("\tMOVQ dx+0(FP), DI\n\tMOVQ h+8(FP), SI\n\tMOVQ xhat+16(FP), DX\n\tMOVQ s1+24(FP), R8\n\tMOVQ n+48(FP), R10\n")
	s.WriteString(setup(56))
	for _, add := range []bool{false, true} {
		p := map[bool]string{false: "bbs_", true: "bba_"}[add]
		if !add {
			s.WriteString("\tMOVQ add+64(FP), AX\n\tTESTQ AX, AX\n\tJNE bba_row\n")
		}
		fmt.Fprintf(s, "%srow:\n\tTESTQ R10, R10\n\tJEQ bb_done\n\tXORQ BX, BX\n\tMOVQ R12, R11\n\tMOVQ s2+32(FP), CX\n\tMOVQ rstd+40(FP), AX\n", p)
		bchunk := func(masked bool) {
			ldps, z := "VMOVUPS", ""
			if masked {
				ldps, z = "VMOVUPS.Z", " K1,"
			}
			fmt.Fprintf(s, "\t%s (SI)(BX*4),%s Y0\n\tVCVTPS2PD Y0, Z0\n", ldps, z)
			s.WriteString("\tVMOVUPD.Z (R8)(BX*8), K2, Z1\n\tVSUBPD Z1, Z0, Z0\n")
			fmt.Fprintf(s, "\t%s (DX)(BX*4),%s Y2\n\tVCVTPS2PD Y2, Z2\n", ldps, z)
			s.WriteString("\tVMOVUPD.Z (CX)(BX*8), K2, Z3\n\tVMULPD Z3, Z2, Z2\n\tVSUBPD Z2, Z0, Z0\n")
			s.WriteString("\tVMOVUPD.Z (AX)(BX*8), K2, Z3\n\tVMULPD Z0, Z3, Z0\n\tVCVTPD2PS Z0, Y0\n")
			if add {
				fmt.Fprintf(s, "\t%s (DI)(BX*4),%s Y4\n\tVADDPS Y0, Y4, Y0\n", ldps, z)
			}
			fmt.Fprintf(s, "\tVMOVUPS Y0,%s (DI)(BX*4)\n", z)
		}
		fmt.Fprintf(s, "\tKXNORW K2, K2, K2\n%schunk:\n\tTESTQ R11, R11\n\tJEQ %stail\n", p, p)
		bchunk(false)
		fmt.Fprintf(s, "\tADDQ $8, BX\n\tDECQ R11\n\tJMP %schunk\n", p)
		fmt.Fprintf(s, "%stail:\n\tKORTESTW K1, K1\n\tJEQ %snext\n\tKMOVW K1, K2\n", p, p)
		bchunk(true)
		fmt.Fprintf(s, "%snext:\n\tADDQ R13, SI\n\tADDQ R13, DX\n\tADDQ R13, DI\n\tDECQ R10\n\tKXNORW K2, K2, K2\n\tJMP %srow\n", p, p)
	}
	s.WriteString("bb_done:\n\tVZEROUPPER\n\tRET\n")
}
