package optim

import (
	"testing"

	"github.com/recforge/recforge/nn"
)

// Step must not allocate once running: every rule, both table regularizers,
// decoupled decay, a schedule and both clippings at once.
func TestStepDoesNotAllocate(t *testing.T) {
	rng := nn.NewRand(9)
	freq := make([]uint32, 500)
	for i := range freq {
		freq[i] = uint32(i + 1)
	}
	var groups []*Group
	var params []*nn.Param
	var tables []*nn.Table
	for i, rc := range allRules {
		p := nn.NewParam(rc.name+".w", 32)
		tab := nn.NewTable(rc.name+".emb", 500, 8, true)
		reg := TableReg{Kind: RegBatch, L2: 1e-4}
		if i%2 == 0 {
			reg = TableReg{Kind: RegMBA, L2: 1e-2, Freq: freq}
		}
		g := NewGroup(rc.name, rc.rule, rc.lr).AddParams(p).AddTable(tab, reg)
		g.L2 = 1e-4
		if _, ftrl := rc.rule.(FTRL); !ftrl {
			g.DecoupledDecay = i%2 == 1
		}
		g.Schedule = Warmup{Steps: 5, Decay: DecayCosine, Total: 100}
		groups, params, tables = append(groups, g), append(params, p), append(tables, tab)
	}
	o := New(groups...)
	o.ClipNorm, o.ClipValue = 1, 0.5
	rows := make([]int32, 64)
	for i := range rows {
		rows[i] = int32(rng.IntN(500))
	}
	batch := func() {
		for _, p := range params {
			for i := range p.G {
				p.G[i] = 0.01 * float32(i)
			}
		}
		for _, tab := range tables {
			for _, r := range rows {
				if g := tab.GradRow(r); g != nil {
					g[0] += 1
				}
			}
		}
		o.Step()
	}
	batch() // the first call may grow the tables' gradient buffers
	if n := testing.AllocsPerRun(20, batch); n != 0 {
		t.Fatalf("Step allocates %v times per call", n)
	}
}
