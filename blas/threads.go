package blas

import (
	"sync"
	"sync/atomic"
)

var threads atomic.Int32

func init() { threads.Store(1) }

// SetThreads sets how many goroutines large SGEMMs may split across. The
// default is 1: recforge is single-threaded unless asked otherwise. Values
// below 1 are treated as 1. Results do not depend on the setting: every
// element of C is computed by the same sequence of operations.
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	threads.Store(int32(n))
}

// Threads reports the current SGEMM parallelism.
func Threads() int { return int(threads.Load()) }

// parallelMinFMAs is the smallest m·n·k worth splitting (about 0.15 ms of
// single-threaded work): waking a parked worker took up to 0.2 ms on the
// 2-vCPU machine this was tuned on, so smaller calls ran no faster split.
// A variable so that tests can split small calls.
var parallelMinFMAs = 1 << 25

// part is a share of one parallel call, run by a pool worker.
type part struct {
	kern *microKernel
	g    gemmArgs
	plan blockPlan
	wg   *sync.WaitGroup
}

// parallelCall holds the parts and the WaitGroup of one split call; kept on a
// free list so that splitting allocates nothing once warm.
type parallelCall struct {
	parts []part
	wg    sync.WaitGroup
}

var parallelCalls freeList[parallelCall]

// The worker pool: goroutines blocked on a channel receive between calls,
// never spinning. It grows to the largest thread count ever used.
var (
	poolMu      sync.Mutex
	poolWorkers int
	work        = make(chan *part)
)

func ensureWorkers(n int) {
	poolMu.Lock()
	for ; poolWorkers < n; poolWorkers++ {
		go worker()
	}
	poolMu.Unlock()
}

func worker() {
	for p := range work {
		p.runPart()
		p.wg.Done()
	}
}

func (p *part) runPart() {
	w := workspaces.get()
	w.run(p.kern, &p.g, p.plan)
	w.t = tileArgs{}
	workspaces.put(w)
}

// gemmParallel splits C into nt column blocks (or row blocks when C is tall)
// on panel boundaries. Each share is an independent SGEMM on sub-slices with
// the same blocking plan, so the result is bit-identical to one thread's.
func gemmParallel(kern *microKernel, g *gemmArgs, plan blockPlan, nt int) {
	byRows := g.m > g.n
	unit, size := kern.nr, g.n
	if byRows {
		unit, size = kern.mr, g.m
	}
	units := (size + unit - 1) / unit
	nt = min(nt, units)
	pc := parallelCalls.get()
	if cap(pc.parts) < nt {
		pc.parts = make([]part, nt)
	}
	parts := pc.parts[:nt]
	ensureWorkers(nt - 1)
	lo := 0
	for i := range parts {
		hi := min(size, (units*(i+1)/nt)*unit)
		sub := *g
		if byRows {
			sub.m = hi - lo
			if g.transA {
				sub.a = g.a[lo:]
			} else {
				sub.a = g.a[lo*g.lda:]
			}
			sub.c = g.c[lo*g.ldc:]
		} else {
			sub.n = hi - lo
			if g.transB {
				sub.b = g.b[lo*g.ldb:]
			} else {
				sub.b = g.b[lo:]
			}
			sub.c = g.c[lo:]
			if g.bias != nil {
				sub.bias = g.bias[lo:hi]
			}
		}
		parts[i] = part{kern: kern, g: sub, plan: plan, wg: &pc.wg}
		lo = hi
	}
	pc.wg.Add(nt - 1)
	for i := 1; i < nt; i++ {
		work <- &parts[i]
	}
	parts[0].runPart()
	pc.wg.Wait()
	clear(parts) // drop references to the caller's slices
	parallelCalls.put(pc)
}
