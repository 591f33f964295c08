package model

import "testing"

func TestDeepModelStepsDoNotAllocate(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	env := Env{Layout: l, MaxBatch: 8, Seed: 1}
	b := tinyBatch(l, 8, 2)
	builds := map[string]func() (Model, error){
		"deepcrossing": func() (Model, error) {
			return NewDeepCrossing(env, DeepCrossingConfig{ResidualUnits: 2, ResidualHidden: 4, InitStd: 0.1})
		},
		"pnn full":    func() (Model, error) { return NewPNN(env, PNNBoth, pnnCfg("full")) },
		"pnn reduced": func() (Model, error) { return NewPNN(env, PNNBoth, pnnCfg("reduced")) },
		"widedeep":    func() (Model, error) { return NewWideDeep(env, wdCfg()) },
		"dcn v1":      func() (Model, error) { return NewDCN(env, dcnCfg("v1")) },
		"dcn v2":      func() (Model, error) { return NewDCN(env, dcnCfg("v2")) },
		"pnn batch norm and dropout": func() (Model, error) {
			cfg := pnnCfg("reduced")
			cfg.BatchNorm, cfg.Dropout = true, 0.5
			return NewPNN(env, PNNInner, cfg)
		},
	}
	for name, build := range builds {
		m, err := build()
		if err != nil {
			t.Fatal(err)
		}
		dout := make([]float32, b.N)
		ps, ts := Params(m), Tables(m)
		step := func() {
			for _, p := range ps {
				p.ZeroGrad()
			}
			for _, tb := range ts {
				tb.ZeroGrad()
			}
			copy(dout, m.Forward(b))
			m.Backward(dout)
		}
		step() // sparse gradient rows grow once
		if a := testing.AllocsPerRun(10, step); a != 0 {
			t.Errorf("%s: %v allocations per step", name, a)
		}
	}
}
