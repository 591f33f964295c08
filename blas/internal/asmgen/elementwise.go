package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// isa describes one vector width of the element-wise functions.
type isa struct {
	suffix string // function name suffix
	r      string // register prefix
	lanes  int
}

var (
	isa512 = isa{"512", "Z", 16}
	isa256 = isa{"256", "Y", 8}
)

// ewConsts are the element-wise constants, each stored 16 times (64 bytes)
// so that any vector width loads it as a plain memory operand. The values
// match elementwise_generic.go.
var ewConsts = []struct {
	name string
	bits uint32
}{
	{"lo", f32(-104)},
	{"hi", f32(89)},
	{"log2e", f32(1.44269504088896341)},
	{"ln2hi", f32(0.693359375)},
	{"ln2lo", f32(-2.12194440e-4)},
	{"p0", f32(1.9875691500e-4)},
	{"p1", f32(1.3981999507e-3)},
	{"p2", f32(8.3334519073e-3)},
	{"p3", f32(4.1665795894e-2)},
	{"p4", f32(1.6666665459e-1)},
	{"p5", f32(5.0000001201e-1)},
	{"one", f32(1)},
	{"two", f32(2)},
	{"bias", 127},
	{"sign", 1 << 31},
	{"abs", 1<<31 - 1},
	{"small", f32(0.625)},
	{"t0", f32(-5.70498872745e-3)},
	{"t1", f32(2.06390887954e-2)},
	{"t2", f32(-5.37397155531e-2)},
	{"t3", f32(1.33314422036e-1)},
	{"t4", f32(-3.33332819422e-1)},
}

func f32(v float64) uint32 { return math.Float32bits(float32(v)) }

func c(name string) string {
	for i, k := range ewConsts {
		if k.name == name {
			return fmt.Sprintf("ewc<>+%d(SB)", 64*i)
		}
	}
	panic("no constant " + name)
}

func ewData(s *bytes.Buffer) {
	for i, k := range ewConsts {
		for l := 0; l < 16; l++ {
			fmt.Fprintf(s, "DATA ewc<>+%d(SB)/4, $0x%08x\n", 64*i+4*l, k.bits)
		}
	}
	fmt.Fprintf(s, "GLOBL ewc<>(SB), RODATA|NOPTR, $%d\n", 64*len(ewConsts))
	// ewmask<>+32-4n is the VMASKMOVPS mask of the first n of 8 lanes.
	for l := 0; l < 16; l++ {
		v := uint32(0)
		if l < 8 {
			v = 0xffffffff
		}
		fmt.Fprintf(s, "DATA ewmask<>+%d(SB)/4, $0x%08x\n", 4*l, v)
	}
	s.WriteString("GLOBL ewmask<>(SB), RODATA|NOPTR, $64\n")
}

// emitter writes instructions with V0…V7 standing for the isa's registers.
// With AVX-512 the constants live in Z10…Z31 for the whole loop (regs);
// with AVX2 there are too few registers and they are memory operands.
type emitter struct {
	s    *bytes.Buffer
	x    isa
	regs map[string]string
}

// k is the operand of constant name.
func (e emitter) k(name string) string {
	if r, ok := e.regs[name]; ok {
		return r
	}
	return c(name)
}

// loadConsts puts constants in registers before the loop: all of them in
// Z10…Z31 for AVX-512, the seven most used in Y8…Y14 for AVX2. Loading
// them in every iteration instead made the AVX-512 loops three times
// slower.
func (e *emitter) loadConsts() {
	e.regs = map[string]string{}
	names := []string{"one", "sign", "log2e", "ln2hi", "ln2lo", "lo", "hi"}
	first := 8
	if e.x.r == "Z" {
		names, first = nil, 10
		for _, k := range ewConsts {
			names = append(names, k.name)
		}
	}
	for i, name := range names {
		r := fmt.Sprintf("%s%d", e.x.r, first+i)
		e.regs[name] = r
		fmt.Fprintf(e.s, "\tVMOVUPS %s, %s\n", c(name), r)
	}
}

func (e emitter) op(f string, args ...any) {
	line := fmt.Sprintf(f, args...)
	for i := 7; i >= 0; i-- {
		line = strings.ReplaceAll(line, fmt.Sprintf("V%d", i), fmt.Sprintf("%s%d", e.x.r, i))
	}
	e.s.WriteString("\t" + line + "\n")
}

// and/or: the EVEX forms of the bitwise ops on floats need AVX512DQ; the
// integer forms are AVX512F.
func (e emitter) and() string { return map[bool]string{true: "VPANDD", false: "VANDPS"}[e.x.r == "Z"] }
func (e emitter) or() string  { return map[bool]string{true: "VPORD", false: "VORPS"}[e.x.r == "Z"] }

// pickIfSign sets into = from where x has its sign bit set.
func (e emitter) pickIfSign(x, from, into string) {
	if e.x.r == "Z" {
		e.op("VPTESTMD %s, %s, K2", e.k("sign"), x)
		e.op("VMOVAPS %s, K2, %s", from, into)
		return
	}
	e.op("VBLENDVPS %s, %s, %s, %s", x, from, into, into)
}

// pickIfLess sets into = from where a < the constant k (false for NaN).
func (e emitter) pickIfLess(a, k, from, into string) {
	if e.x.r == "Z" {
		e.op("VCMPPS $1, %s, %s, K2", e.k(k), a)
		e.op("VMOVAPS %s, K2, %s", from, into)
		return
	}
	e.op("VCMPPS $1, %s, %s, V1", e.k(k), a)
	e.op("VBLENDVPS V1, %s, %s, %s", from, into, into)
}

// exp: V0 = e^V0, clobbering V1…V5. The clamps keep NaN: with x as the
// second source, MINPS and MAXPS return it when it is NaN.
func (e emitter) exp() {
	e.op("VMOVUPS %s, V5", e.k("lo"))
	e.op("VMAXPS V0, V5, V1")
	e.op("VMOVUPS %s, V5", e.k("hi"))
	e.op("VMINPS V1, V5, V1")
	e.op("VMULPS %s, V1, V2", e.k("log2e"))
	if e.x.r == "Z" {
		e.op("VRNDSCALEPS $0, V2, V2")
	} else {
		e.op("VROUNDPS $0, V2, V2")
	}
	e.op("VMOVUPS V1, V3")
	e.op("VFNMADD231PS %s, V2, V3", e.k("ln2hi"))
	e.op("VFNMADD231PS %s, V2, V3", e.k("ln2lo"))
	e.op("VMOVUPS %s, V4", e.k("p0"))
	for _, p := range []string{"p1", "p2", "p3", "p4", "p5"} {
		e.op("VFMADD213PS %s, V3, V4", e.k(p))
	}
	e.op("VMULPS V3, V3, V5")
	e.op("VFMADD213PS V3, V5, V4")
	e.op("VADDPS %s, V4, V4", e.k("one"))
	if e.x.r == "Z" {
		// VSCALEFPS rounds once, into the subnormals or to ±Inf.
		e.op("VSCALEFPS V2, V4, V0")
		return
	}
	// 2^k as two factors 2^(k>>1)·2^(k-(k>>1)), each a normal float, so the
	// only rounding is the last product's.
	e.op("VCVTPS2DQ V2, V2")
	e.op("VPSRAD $1, V2, V5")
	e.op("VPSUBD V5, V2, V2")
	e.op("VPADDD %s, V5, V5", e.k("bias"))
	e.op("VPSLLD $23, V5, V5")
	e.op("VPADDD %s, V2, V2", e.k("bias"))
	e.op("VPSLLD $23, V2, V2")
	e.op("VMULPS V5, V4, V4")
	e.op("VMULPS V2, V4, V0")
}

// sigmoid: V0 = 1/(1+e^-V0) as (x<0 ? e : 1)/(1+e) with e = e^-|x|.
func (e emitter) sigmoid() {
	e.op("VMOVUPS V0, V6")
	e.op("%s %s, V0, V0", e.or(), e.k("sign"))
	e.exp()
	e.op("VADDPS %s, V0, V1", e.k("one"))
	e.op("VMOVUPS %s, V3", e.k("one"))
	e.pickIfSign("V6", "V0", "V3")
	e.op("VDIVPS V1, V3, V0")
}

// tanh: V0 = tanh(V0), computed on |x| and given x's sign at the end (which
// keeps -0): 1 - 2/(e^2|x|+1), or the odd polynomial below |x| = 0.625.
func (e emitter) tanh() {
	e.op("VMOVUPS V0, V6")
	e.op("%s %s, V6, V7", e.and(), e.k("abs"))
	e.op("VADDPS V7, V7, V0")
	e.exp()
	e.op("VADDPS %s, V0, V0", e.k("one"))
	e.op("VMOVUPS %s, V1", e.k("two"))
	e.op("VDIVPS V0, V1, V1")
	e.op("VMOVUPS %s, V0", e.k("one"))
	e.op("VSUBPS V1, V0, V0")
	e.op("VMULPS V7, V7, V1")
	e.op("VMOVUPS %s, V2", e.k("t0"))
	for _, p := range []string{"t1", "t2", "t3", "t4"} {
		e.op("VFMADD213PS %s, V1, V2", e.k(p))
	}
	e.op("VMULPS V1, V2, V2")
	e.op("VFMADD213PS V7, V7, V2")
	e.pickIfLess("V7", "small", "V2", "V0")
	e.op("%s %s, V6, V2", e.and(), e.k("sign"))
	e.op("%s V2, V0, V0", e.or())
}

// tailMask loads the mask of the CX (< lanes) remaining elements: K1 for
// AVX-512, Y15 for AVX2. It clobbers AX.
func (e emitter) tailMask() {
	if e.x.r == "Z" {
		e.s.WriteString("\tMOVL $1, AX\n\tSHLL CX, AX\n\tDECL AX\n\tKMOVW AX, K1\n")
		return
	}
	e.s.WriteString("\tLEAQ ewmask<>+32(SB), AX\n\tSHLQ $2, CX\n\tSUBQ CX, AX\n\tVMOVUPS (AX), Y15\n")
}

func (e emitter) maskedLoad(addr, reg string) {
	if e.x.r == "Z" {
		e.op("VMOVUPS.Z %s, K1, %s", addr, reg)
	} else {
		e.op("VMASKMOVPS %s, Y15, %s", addr, reg)
	}
}

func (e emitter) maskedStore(reg, addr string) {
	if e.x.r == "Z" {
		e.op("VMOVUPS %s, K1, %s", reg, addr)
	} else {
		e.op("VMASKMOVPS %s, Y15, %s", reg, addr)
	}
}

// unary writes func name(dst, src []float32) over len(dst) elements (the Go
// wrapper has cut src to that length): whole vectors in the loop, then the
// rest under a mask, so no element is read or written out of bounds.
func unary(s, g *bytes.Buffer, x isa, fn string, body func(emitter)) {
	name := fn + x.suffix
	e := emitter{s: s, x: x}
	w := 4 * x.lanes
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s(dst, src []float32)\n", name)
	fmt.Fprintf(s, "\n// func %s(dst, src []float32)\nTEXT ·%s(SB), NOSPLIT, $0-48\n", name, name)
	s.WriteString("\tMOVQ dst_base+0(FP), DI\n\tMOVQ dst_len+8(FP), CX\n\tMOVQ src_base+24(FP), SI\n")
	e.loadConsts()
	fmt.Fprintf(s, "loop:\n\tCMPQ CX, $%d\n\tJLT tail\n", x.lanes)
	e.op("VMOVUPS (SI), V0")
	body(e)
	e.op("VMOVUPS V0, (DI)")
	fmt.Fprintf(s, "\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tSUBQ $%d, CX\n\tJMP loop\n", w, w, x.lanes)
	s.WriteString("tail:\n\tTESTQ CX, CX\n\tJEQ done\n")
	e.tailMask()
	e.maskedLoad("(SI)", "V0")
	body(e)
	e.maskedStore("V0", "(DI)")
	s.WriteString("done:\n\tVZEROUPPER\n\tRET\n")
}

// axpy writes func axpyNNN(alpha float32, x, y []float32): y += alpha·x over
// len(y), four vectors per iteration.
func axpy(s, g *bytes.Buffer, x isa) {
	name := "axpy" + x.suffix
	e := emitter{s: s, x: x}
	w := 4 * x.lanes
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s(alpha float32, x, y []float32)\n", name)
	fmt.Fprintf(s, "\n// func %s(alpha float32, x, y []float32)\nTEXT ·%s(SB), NOSPLIT, $0-56\n", name, name)
	s.WriteString("\tMOVQ x_base+8(FP), SI\n\tMOVQ y_base+32(FP), DI\n\tMOVQ y_len+40(FP), CX\n")
	e.op("VBROADCASTSS alpha+0(FP), V7")
	fmt.Fprintf(s, "loop4:\n\tCMPQ CX, $%d\n\tJLT loop1\n", 4*x.lanes)
	for u := 0; u < 4; u++ {
		e.op("VMOVUPS %d(DI), V%d", u*w, u)
		e.op("VFMADD231PS %d(SI), V7, V%d", u*w, u)
		e.op("VMOVUPS V%d, %d(DI)", u, u*w)
	}
	fmt.Fprintf(s, "\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tSUBQ $%d, CX\n\tJMP loop4\n", 4*w, 4*w, 4*x.lanes)
	fmt.Fprintf(s, "loop1:\n\tCMPQ CX, $%d\n\tJLT tail\n", x.lanes)
	e.op("VMOVUPS (DI), V0")
	e.op("VFMADD231PS (SI), V7, V0")
	e.op("VMOVUPS V0, (DI)")
	fmt.Fprintf(s, "\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tSUBQ $%d, CX\n\tJMP loop1\n", w, w, x.lanes)
	s.WriteString("tail:\n\tTESTQ CX, CX\n\tJEQ done\n")
	e.tailMask()
	e.maskedLoad("(SI)", "V1")
	e.maskedLoad("(DI)", "V0")
	e.op("VFMADD231PS V1, V7, V0")
	e.maskedStore("V0", "(DI)")
	s.WriteString("done:\n\tVZEROUPPER\n\tRET\n")
}

// dot writes func dotNNN(x, y []float32) float32 over len(x): four vector
// accumulators, the masked tail into the second, then a fixed reduction tree.
func dot(s, g *bytes.Buffer, x isa) {
	name := "dot" + x.suffix
	e := emitter{s: s, x: x}
	w := 4 * x.lanes
	fmt.Fprintf(g, "\n//go:noescape\nfunc %s(x, y []float32) float32\n", name)
	fmt.Fprintf(s, "\n// func %s(x, y []float32) float32\nTEXT ·%s(SB), NOSPLIT, $0-52\n", name, name)
	s.WriteString("\tMOVQ x_base+0(FP), SI\n\tMOVQ x_len+8(FP), CX\n\tMOVQ y_base+24(FP), DI\n")
	for u := 0; u < 4; u++ {
		e.op("VXORPS V%d, V%d, V%d", u, u, u)
	}
	if x.r == "Z" {
		for u := 0; u < 4; u++ {
			e.op("VPXORD V%d, V%d, V%d", u, u, u)
		}
	}
	fmt.Fprintf(s, "loop4:\n\tCMPQ CX, $%d\n\tJLT loop1\n", 4*x.lanes)
	for u := 0; u < 4; u++ {
		e.op("VMOVUPS %d(SI), V%d", u*w, u+4)
		e.op("VFMADD231PS %d(DI), V%d, V%d", u*w, u+4, u)
	}
	fmt.Fprintf(s, "\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tSUBQ $%d, CX\n\tJMP loop4\n", 4*w, 4*w, 4*x.lanes)
	fmt.Fprintf(s, "loop1:\n\tCMPQ CX, $%d\n\tJLT tail\n", x.lanes)
	e.op("VMOVUPS (SI), V4")
	e.op("VFMADD231PS (DI), V4, V0")
	fmt.Fprintf(s, "\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tSUBQ $%d, CX\n\tJMP loop1\n", w, w, x.lanes)
	s.WriteString("tail:\n\tTESTQ CX, CX\n\tJEQ reduce\n")
	e.tailMask()
	e.maskedLoad("(SI)", "V4")
	e.maskedLoad("(DI)", "V5")
	e.op("VFMADD231PS V5, V4, V1")
	s.WriteString("reduce:\n")
	e.op("VADDPS V1, V0, V0")
	e.op("VADDPS V3, V2, V2")
	e.op("VADDPS V2, V0, V0")
	if x.r == "Z" {
		s.WriteString("\tVEXTRACTF64X4 $1, Z0, Y1\n\tVADDPS Y1, Y0, Y0\n")
	}
	s.WriteString("\tVEXTRACTF128 $1, Y0, X1\n\tVADDPS X1, X0, X0\n")
	s.WriteString("\tVPERMILPS $0x0e, X0, X1\n\tVADDPS X1, X0, X0\n")
	s.WriteString("\tVPERMILPS $0x01, X0, X1\n\tVADDPS X1, X0, X0\n")
	s.WriteString("\tVMOVSS X0, ret+48(FP)\n\tVZEROUPPER\n\tRET\n")
}

func elementwise(s, g *bytes.Buffer) {
	ewData(s)
	for _, x := range []isa{isa512, isa256} {
		unary(s, g, x, "exp", emitter.exp)
		unary(s, g, x, "sigmoid", emitter.sigmoid)
		unary(s, g, x, "tanh", emitter.tanh)
		axpy(s, g, x)
		dot(s, g, x)
	}
	biasGrad512(s, g)
	adam512(s, g)
	rows(s, g)
	adamRows512(s, g)
	batchStats(s, g)
}

// adam512 writes func adam512(w, g, m, v []float32, k [7]float32) over
// len(w): Adam's update with the constants k = β1, 1−β1, β2, 1−β2, step,
// correction, ε, as optim's Go loop computes it, each operation rounded on
// its own (no FMA), so that the results are the same bit for bit:
//
//	m = β1·m + (1−β1)·g;  v = β2·v + ((1−β2)·g)·g
//	w = w − (step·m) / (√v·corr + ε)
func adam512(s, g *bytes.Buffer) {
	g.WriteString("\n//go:noescape\nfunc adam512(w, g, m, v []float32, k [7]float32)\n")
	s.WriteString("\n// func adam512(w, g, m, v []float32, k [7]float32)\nTEXT ·adam512(SB), NOSPLIT, $0-124\n")
	s.WriteString(`	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), DX
	MOVQ v_base+72(FP), R8
	VBROADCASTSS k_0+96(FP), Z20
	VBROADCASTSS k_1+100(FP), Z21
	VBROADCASTSS k_2+104(FP), Z22
	VBROADCASTSS k_3+108(FP), Z23
	VBROADCASTSS k_4+112(FP), Z24
	VBROADCASTSS k_5+116(FP), Z25
	VBROADCASTSS k_6+120(FP), Z26
`)
	body := func(ld, st, z string) { adamBody(s, ld, st, z) }
	s.WriteString("loop:\n\tCMPQ CX, $16\n\tJLT tail\n")
	body("VMOVUPS", "VMOVUPS", "")
	s.WriteString("\tADDQ $64, SI\n\tADDQ $64, DX\n\tADDQ $64, R8\n\tADDQ $64, DI\n\tSUBQ $16, CX\n\tJMP loop\n")
	s.WriteString("tail:\n\tTESTQ CX, CX\n\tJEQ done\n\tMOVL $1, AX\n\tSHLL CX, AX\n\tDECL AX\n\tKMOVW AX, K1\n")
	body("VMOVUPS.Z", "VMOVUPS", " K1,")
	s.WriteString("done:\n\tVZEROUPPER\n\tRET\n")
}

// biasGrad512 writes func biasGrad512(db, dz, y *float32, rows, cols, relu
// int): db[j] += dz[i][j] for every row i in order, after zeroing dz where
// the ReLU output y is not positive when relu is not 0. Four rows share one
// load and store of each 16-column chunk of db; the additions stay in row
// order, so the sums are those of the plain loop bit for bit. The ReLU mask
// keeps dz where −int32(bits(y)) has its sign set, exactly as the Go code
// does: y > 0, and −0.
func biasGrad512(s, g *bytes.Buffer) {
	g.WriteString("\n//go:noescape\nfunc biasGrad512(db, dz, y *float32, rows, cols, relu int)\n")
	s.WriteString("\n// func biasGrad512(db, dz, y *float32, rows, cols, relu int)\nTEXT ·biasGrad512(SB), NOSPLIT, $0-48\n")
	s.WriteString(`	MOVQ db+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ cols+32(FP), R9
	LEAQ (R9*4), R10
	LEAQ (R10)(R10*2), R13
	MOVQ R9, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	SHRQ $4, R9
	VPXORD Z31, Z31, Z31
	VPBROADCASTD ` + c("sign") + `, Z30
	MOVQ relu+40(FP), AX
	TESTQ AX, AX
	JEQ plain_rows4
`)
	for _, relu := range []bool{true, false} {
		p := map[bool]string{true: "relu_", false: "plain_"}[relu]
		fmt.Fprintf(s, "%srows4:\n\tCMPQ R8, $4\n\tJLT %srows1\n", p, p)
		biasGradRows(s, p+"r4", 4, relu)
		fmt.Fprintf(s, "\tLEAQ (SI)(R10*4), SI\n\tLEAQ (DX)(R10*4), DX\n\tSUBQ $4, R8\n\tJMP %srows4\n", p)
		fmt.Fprintf(s, "%srows1:\n\tTESTQ R8, R8\n\tJEQ done\n", p)
		biasGradRows(s, p+"r1", 1, relu)
		fmt.Fprintf(s, "\tADDQ R10, SI\n\tADDQ R10, DX\n\tDECQ R8\n\tJMP %srows1\n", p)
	}
	s.WriteString("done:\n\tVZEROUPPER\n\tRET\n")
}

// biasGradRows emits biasGrad512's pass over the nrows rows at SI (dz) and
// DX (y), row stride R10 bytes (R13 = 3·R10): the R9 full 16-column chunks,
// then the tail chunk under K1 when there is one.
func biasGradRows(s *bytes.Buffer, label string, nrows int, relu bool) {
	s.WriteString("\tMOVQ DI, BX\n\tMOVQ SI, AX\n\tMOVQ DX, R11\n\tMOVQ R9, R12\n")
	chunk := func(masked bool) {
		ld, z := "VMOVUPS", ""
		if masked {
			ld, z = "VMOVUPS.Z", " K1,"
		}
		fmt.Fprintf(s, "\t%s (BX),%s Z0\n", ld, z)
		for r := 0; r < nrows; r++ {
			off := []string{"(%s)", "(%s)(R10*1)", "(%s)(R10*2)", "(%s)(R13*1)"}[r]
			za, ya := fmt.Sprintf(off, "AX"), fmt.Sprintf(off, "R11")
			fmt.Fprintf(s, "\t%s %s,%s Z%d\n", ld, za, z, 1+r)
			if relu {
				fmt.Fprintf(s, "\t%s %s,%s Z%d\n", ld, ya, z, 5+r)
				fmt.Fprintf(s, "\tVPSUBD Z%d, Z31, Z%d\n", 5+r, 5+r)
				fmt.Fprintf(s, "\tVPTESTMD Z30, Z%d, K2\n", 5+r)
				fmt.Fprintf(s, "\tVMOVAPS.Z Z%d, K2, Z%d\n", 1+r, 1+r)
				fmt.Fprintf(s, "\tVMOVUPS Z%d,%s %s\n", 1+r, z, za)
			}
		}
		for r := 0; r < nrows; r++ {
			fmt.Fprintf(s, "\tVADDPS Z%d, Z0, Z0\n", 1+r)
		}
		fmt.Fprintf(s, "\tVMOVUPS Z0,%s (BX)\n", z)
	}
	fmt.Fprintf(s, "%s_chunk:\n\tTESTQ R12, R12\n\tJEQ %s_tail\n", label, label)
	chunk(false)
	fmt.Fprintf(s, "\tADDQ $64, BX\n\tADDQ $64, AX\n\tADDQ $64, R11\n\tDECQ R12\n\tJMP %s_chunk\n", label)
	fmt.Fprintf(s, "%s_tail:\n\tKORTESTW K1, K1\n\tJEQ %s_next\n", label, label)
	chunk(true)
	fmt.Fprintf(s, "%s_next:\n", label)
}

// adamBody emits Adam's update of one 16-float chunk: g at SI, m at DX, v
// at R8, w at DI, the constants in Z20…Z26 (see adam512). ld and st are the
// load and store instructions, z the mask operand (" K1," or "").
func adamBody(s *bytes.Buffer, ld, st, z string) {
	fmt.Fprintf(s, "\t%s (SI),%s Z0\n\t%s (DX),%s Z1\n\t%s (R8),%s Z2\n\t%s (DI),%s Z3\n", ld, z, ld, z, ld, z, ld, z)
	s.WriteString(`	VMULPS Z1, Z20, Z4
	VMULPS Z0, Z21, Z5
	VADDPS Z5, Z4, Z4
	VMULPS Z2, Z22, Z6
	VMULPS Z0, Z23, Z7
	VMULPS Z0, Z7, Z7
	VADDPS Z7, Z6, Z6
	VSQRTPS Z6, Z8
	VMULPS Z25, Z8, Z8
	VADDPS Z26, Z8, Z8
	VMULPS Z4, Z24, Z9
	VDIVPS Z8, Z9, Z9
	VSUBPS Z9, Z3, Z3
`)
	fmt.Fprintf(s, "\t%s Z4,%s (DX)\n\t%s Z6,%s (R8)\n\t%s Z3,%s (DI)\n", st, z, st, z, st, z)
}

// adamRows512 writes func adamRows512(data *float32, stride int, rows
// *int32, grad *float32, n, dim int, k [7]float32): Adam's update of n
// table rows, row rows[i] holding its dim weights, then m, then v, at a
// stride of stride floats, with the gradient grad[i·dim : (i+1)·dim]; each
// operation rounded as in adam512. One loop over all rows keeps several
// rows' cache misses in flight, where a call per row would not.
func adamRows512(s, g *bytes.Buffer) {
	g.WriteString("\n//go:noescape\nfunc adamRows512(data *float32, stride int, rows *int32, grad *float32, n, dim int, k [7]float32)\n")
	s.WriteString("\n// func adamRows512(data *float32, stride int, rows *int32, grad *float32, n, dim int, k [7]float32)\nTEXT ·adamRows512(SB), NOSPLIT, $0-76\n")
	s.WriteString(`	MOVQ data+0(FP), BX
	MOVQ stride+8(FP), R9
	SHLQ $2, R9
	MOVQ rows+16(FP), R10
	MOVQ grad+24(FP), SI
	MOVQ n+32(FP), R11
	MOVQ dim+40(FP), R12
	LEAQ (R12*4), R13
	VBROADCASTSS k_0+48(FP), Z20
	VBROADCASTSS k_1+52(FP), Z21
	VBROADCASTSS k_2+56(FP), Z22
	VBROADCASTSS k_3+60(FP), Z23
	VBROADCASTSS k_4+64(FP), Z24
	VBROADCASTSS k_5+68(FP), Z25
	VBROADCASTSS k_6+72(FP), Z26
	MOVQ R12, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
row:
	TESTQ R11, R11
	JEQ done
	MOVLQSX (R10), AX
	IMULQ R9, AX
	LEAQ (BX)(AX*1), DI
	LEAQ (DI)(R13*1), DX
	LEAQ (DX)(R13*1), R8
	MOVQ R12, CX
chunk:
	CMPQ CX, $16
	JLT tail
`)
	adamBody(s, "VMOVUPS", "VMOVUPS", "")
	s.WriteString("\tADDQ $64, SI\n\tADDQ $64, DX\n\tADDQ $64, R8\n\tADDQ $64, DI\n\tSUBQ $16, CX\n\tJMP chunk\n")
	s.WriteString("tail:\n\tTESTQ CX, CX\n\tJEQ next\n")
	adamBody(s, "VMOVUPS.Z", "VMOVUPS", " K1,")
	s.WriteString("\tSHLQ $2, CX\n\tADDQ CX, SI\n")
	s.WriteString("next:\n\tADDQ $4, R10\n\tDECQ R11\n\tJMP row\ndone:\n\tVZEROUPPER\n\tRET\n")
}
