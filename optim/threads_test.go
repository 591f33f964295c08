package optim

import (
	"fmt"
	"testing"

	"github.com/recforge/recforge/nn"
)

// threadedRun trains one optimizer over every rule (dense parameters and
// tables with more touched rows than a piece holds, both regularizers,
// decoupled decay, a schedule, both clippings) for a few steps on threads
// goroutines and returns every weight and state float afterwards.
func threadedRun(threads int) [][]float32 {
	rng := nn.NewRand(3)
	const rows = 3*pieceRows + 77
	freq := make([]uint32, rows)
	for i := range freq {
		freq[i] = uint32(i%9 + 1)
	}
	var groups []*Group
	var params []*nn.Param
	var tables []*nn.Table
	for i, rc := range allRules {
		if _, lbfgs := rc.rule.(LBFGS); lbfgs {
			continue // steps through StepWith's line search, not pieces
		}
		ps := []*nn.Param{nn.NewParam(rc.name+".w", 40), nn.NewParam(rc.name+".b", 3)}
		tab := nn.NewTable(rc.name+".emb", rows, 5, true)
		tab.InitNormal(0.1, rng)
		for _, p := range ps {
			nn.InitNormal(p.W, 0.1, rng)
		}
		reg := TableReg{Kind: RegBatch, L2: 1e-3}
		if i%2 == 0 {
			reg = TableReg{Kind: RegMBA, L2: 1e-2, Freq: freq}
		}
		g := NewGroup(rc.name, rc.rule, rc.lr).AddParams(ps...).AddTable(tab, reg)
		g.L2 = 1e-3
		if _, ftrl := rc.rule.(FTRL); !ftrl {
			g.DecoupledDecay = i%2 == 1
		}
		g.Schedule = Warmup{Steps: 2, Decay: DecayCosine, Total: 10}
		groups, params, tables = append(groups, g), append(params, ps...), append(tables, tab)
	}
	o := New(groups...)
	o.ClipNorm, o.ClipValue, o.Threads = 5, 0.5, threads
	for step := range 4 {
		for _, p := range params {
			for i := range p.G {
				p.G[i] = float32(rng.NormFloat64())
			}
		}
		for _, tab := range tables {
			// Most rows, in a shuffled order that differs by step.
			for _, r := range rng.Perm(rows)[:rows-50*step] {
				if g := tab.GradRow(int32(r)); g != nil {
					for d := range g {
						g[d] += float32(rng.NormFloat64())
					}
				}
			}
		}
		o.Step()
	}
	var out [][]float32
	for _, p := range params {
		out = append(out, p.W)
	}
	for _, g := range groups {
		for _, d := range g.params {
			out = append(out, d.s)
		}
	}
	for _, tab := range tables {
		out = append(out, tab.Data) // weights and per-row state
	}
	return out
}

// A step spread over threads updates every weight and state float as one
// thread does, bit for bit.
func TestStepThreadsBitIdentical(t *testing.T) {
	want := threadedRun(1)
	for _, threads := range []int{2, 3, 8} {
		got := threadedRun(threads)
		for i := range want {
			sameBits(t, fmt.Sprintf("threads %d, array %d", threads, i), got[i], want[i])
		}
	}
}
