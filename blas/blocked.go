package blas

// workspace holds one goroutine's packing buffers and tile arguments. It is
// kept on a free list so that steady-state calls allocate nothing.
type workspace struct {
	bp  []float32 // packed block of B: nr-column panels, kc×nr each
	acc []float32 // gemv's sums for a transposed A
	t   tileArgs
}

var workspaces freeList[workspace]

// gemmNative runs a validated call on the kernel family chosen for this CPU,
// split across goroutines when SetThreads allows and the call is large.
func gemmNative(g *gemmArgs) {
	if g.n == 1 {
		w := workspaces.get()
		w.gemv(g)
		workspaces.put(w)
		return
	}
	kern := active
	plan := planFor(kern, g)
	if nt := Threads(); nt > 1 && g.m*g.n*g.k >= parallelMinFMAs {
		gemmParallel(kern, g, plan, nt)
		return
	}
	w := workspaces.get()
	w.run(kern, g, plan)
	w.t = tileArgs{} // drop references to the caller's slices
	workspaces.put(w)
}

// grow returns buf resized to n elements, reallocating only when the
// capacity is short: after warm-up no call allocates.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// kcStep splits k into equal passes of at most kmax (rounded up to a multiple
// of 4 for the unrolled kernels). It depends on k alone, never on how the
// work is split between threads, so every element of C is summed the same
// way whatever the thread count.
func kcStep(k, kmax int) int {
	passes := (k + kmax - 1) / kmax
	s := (k + passes - 1) / passes
	return (s + 3) &^ 3
}

// blockPlan says how one call addresses its operands, decided once for the
// whole call (before any split between threads).
type blockPlan struct {
	kc int // k depth of one pass
	// directB reads full B panels in place, through the row stride of a
	// non-transposed B, instead of packing them.
	directB bool
	// partialB extends directB to the partial last panel.
	partialB bool
}

// planFor decides how to address the operands. Reading a non-transposed B in
// place beats packing it (5% on the weight-gradient shapes, more for batches
// near 100), except when its row stride is a multiple of 1 KB: then the rows
// of a panel crowd into a few cache sets and evict each other (12% slower at
// n = 1024). With a handful of rows of C, packing never pays.
func planFor(kern *microKernel, g *gemmArgs) blockPlan {
	direct := !g.transB && (g.m <= 2*kern.mr || g.ldb%256 != 0)
	return blockPlan{
		kc:       kcStep(g.k, kern.kc),
		directB:  direct,
		partialB: direct && kern.partialB,
	}
}

// run computes the whole call g on one goroutine: the classic Goto loop nest
// over nc-column blocks, kc-deep passes and mc-row blocks, then nr×mr tiles.
//
// Only B is packed. The kernels read A in place through a row stride and a
// k stride, which covers both storage orders: packing A as well measured
// 15-20% slower on the large shapes, the copy costing more than the
// contiguous panels save.
func (w *workspace) run(kern *microKernel, g *gemmArgs, plan blockPlan) {
	MR, NR := kern.mr, kern.nr
	t := &w.t
	t.alpha = g.alpha
	t.c, t.ldc = g.c, g.ldc
	for jc := 0; jc < g.n; jc += kern.nc {
		nc := min(kern.nc, g.n-jc)
		for pc := 0; pc < g.k; pc += plan.kc {
			kc := min(plan.kc, g.k-pc)
			t.kc = kc
			t.beta, t.loadC = 1, true
			if pc == 0 {
				t.beta, t.loadC = g.beta, g.beta != 0
			}
			last := pc+kc == g.k
			t.relu = last && g.relu
			w.packB(kern, g, plan, jc, nc, pc, kc)
			for ic := 0; ic < g.m; ic += kern.mc {
				mc := min(kern.mc, g.m-ic)
				// A short last row panel goes to the wide kernel if there
				// is one for its height.
				tail := mc % MR
				wideNP := 0
				if tail < len(kern.widePanels) {
					wideNP = kern.widePanels[tail]
				}
				full := mc
				if wideNP > 0 {
					full -= tail
				}
				for jr := 0; jr < nc; jr += NR {
					w.bPanel(NR, g, plan, jc, jr, nc, pc, kc, last)
					for ir := 0; ir < full; ir += MR {
						t.mr = min(MR, full-ir)
						w.aPanel(g, ic+ir, pc)
						t.ci = (ic+ir)*g.ldc + jc + jr
						kern.tile(t)
					}
				}
				if wideNP > 0 {
					w.wideRows(kern, g, plan, wideNP, ic+full, tail, jc, nc, pc, kc, last)
				}
			}
		}
	}
}

// wideRows computes the rows [i, i+mr) of the block at (pc, jc) with the
// kernel family's wide kernel over runs of np full panels, and the narrow
// one for the panels left over.
func (w *workspace) wideRows(kern *microKernel, g *gemmArgs, plan blockPlan, np, i, mr, jc, nc, pc, kc int, last bool) {
	NR := kern.nr
	t := &w.t
	panelStride := kc * NR
	if plan.directB {
		panelStride = NR
	}
	for jr := 0; jr < nc; {
		w.bPanel(NR, g, plan, jc, jr, nc, pc, kc, last)
		t.mr = mr
		w.aPanel(g, i, pc)
		t.ci = i*g.ldc + jc + jr
		if nc-jr >= np*NR {
			if t.bias != nil {
				t.bias = g.bias[jc+jr : jc+jr+np*NR]
			}
			kern.wideTile(t, panelStride)
			jr += np * NR
		} else {
			kern.tile(t)
			jr += NR
		}
	}
}

// bPanel points the tile at B panel jr of the block at (pc, jc), with the
// bias of its columns on the last pass over k.
func (w *workspace) bPanel(NR int, g *gemmArgs, plan blockPlan, jc, jr, nc, pc, kc int, last bool) {
	t := &w.t
	nr := min(NR, nc-jr)
	t.nr = nr
	switch {
	case plan.directB && (nr == NR || plan.partialB):
		t.b, t.bi, t.bks = g.b, pc*g.ldb+jc+jr, g.ldb
	case plan.directB:
		t.b, t.bi, t.bks = w.bp, 0, NR
	default:
		t.b, t.bi, t.bks = w.bp, jr*kc, NR
	}
	t.bias = nil
	if last && g.bias != nil {
		t.bias = g.bias[jc+jr : jc+jr+nr]
	}
}

// aPanel points the tile at the rows of op(A) from row i, k step pc, read in
// place whichever way A is stored.
func (w *workspace) aPanel(g *gemmArgs, i, pc int) {
	t := &w.t
	if g.transA {
		t.a, t.ai, t.ars, t.aks = g.a, pc*g.lda+i, 1, g.lda
	} else {
		t.a, t.ai, t.ars, t.aks = g.a, i*g.lda+pc, g.lda, 1
	}
}

// packB copies the kc×nc block of op(B) at (pc, jc) into nr-column panels,
// each kc×nr with zero padding past the last column. With directB only the
// partial last panel is packed (at the start of the buffer), and with
// partialB not even that.
func (w *workspace) packB(kern *microKernel, g *gemmArgs, plan blockPlan, jc, nc, pc, kc int) {
	NR := kern.nr
	j0 := 0
	if plan.directB {
		j0 = nc / NR * NR
		if j0 == nc || plan.partialB {
			return
		}
	}
	panels := (nc - j0 + NR - 1) / NR
	w.bp = grow(w.bp, panels*kc*NR)
	for jp := 0; jp < panels; jp++ {
		jr := j0 + jp*NR
		nr := min(NR, nc-jr)
		dst := w.bp[jp*kc*NR : (jp+1)*kc*NR]
		col := jc + jr
		if g.transB {
			// op(B)[p][j] = b[j*ldb+p]: each stored row feeds one lane.
			for j := 0; j < nr; j++ {
				src := g.b[col*g.ldb+j*g.ldb+pc:][:kc]
				for p, v := range src {
					dst[p*NR+j] = v
				}
			}
			if nr < NR {
				for p := 0; p < kc; p++ {
					clear(dst[p*NR+nr : p*NR+NR])
				}
			}
			continue
		}
		for p := 0; p < kc; p++ {
			d := dst[p*NR : p*NR+NR]
			copy(d, g.b[(pc+p)*g.ldb+col:][:nr])
			clear(d[nr:])
		}
	}
}
