package optim

import (
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// Wide&Deep's set-up: the wide part with FTRL, the deep part with Adagrad.
// Each group must apply its own rule to its own weights only.
func TestTwoGroupsEachUpdateTheirOwn(t *testing.T) {
	wideTab := nn.NewTable("wide.emb", 4, 1, true)
	wideBias := nn.NewParam("wide.b", 1)
	deepW := nn.NewParam("deep.w", 2)
	copy(deepW.W, []float32{1, 1})
	wide := NewGroup("wide", FTRL{Beta: 1}, 0.1).AddTable(wideTab, TableReg{}).AddParams(wideBias)
	deep := NewGroup("deep", Adagrad{Eps: 1e-10}, 0.5).AddParams(deepW)
	o := New(wide, deep)
	if o.Group("deep") != deep || o.Group("wide") != wide || o.Group("x") != nil {
		t.Fatal("Group does not find groups by name")
	}
	// FTRL (α = 0.1, β = 1, no L1/L2) from w = 0 with g = 1: n = 1, σ = 10,
	// z = 1, w = −1/((1 + 1)/0.1) = −0.05; with g = −2: n = 4, z = −2,
	// w = 2/((1 + 2)/0.1) = 0.0666666667.
	// Rows carry [w, z, n]: row 2 becomes [−0.05, 1, 1].
	// Adagrad (lr 0.5, no initial accumulator) with g = 3 or −4 moves each
	// weight by ∓0.5 on its first step: [0.5, 1.5].
	wideTab.GradRow(2)[0] = 1
	wideBias.G[0] = -2
	copy(deepW.G, []float32{3, -4})
	o.Step()
	expectClose(t, "wide table", wideTab.Data, []float64{0, 0, 0, 0, 0, 0, -0.05, 1, 1, 0, 0, 0}, 0, 1e-6)
	expectClose(t, "wide bias", wideBias.W, []float64{0.0666666667}, 0, 1e-6)
	expectClose(t, "deep", deepW.W, []float64{0.5, 1.5}, 0, 1e-6)
	// A step with gradients in the deep group only leaves the wide one alone.
	copy(deepW.G, []float32{3, -4})
	o.Step()
	expectClose(t, "wide bias after deep-only step", wideBias.W, []float64{0.0666666667}, 0, 1e-6)
	// Adagrad: a = [18, 32], w = [0.5 − 1.5/√18, 1.5 + 2/√32] = [0.146446609, 1.85355339].
	expectClose(t, "deep after step 2", deepW.W, []float64{0.146446609, 1.85355339}, 0, 1e-6)
	names := []string{}
	for _, g := range o.Groups() {
		for _, s := range g.State() {
			names = append(names, s.Name)
		}
	}
	if got := strings.Join(names, " "); got != "wide.b.z wide.b.n deep.w.acc" {
		t.Fatalf("state names = %q", got)
	}
}

func TestNewRejectsSharedWeights(t *testing.T) {
	p := nn.NewParam("p", 2)
	tab := nn.NewTable("emb", 3, 2, true)
	expectPanic(t, `param "p" is in groups "a" and "b"`, func() {
		New(NewGroup("a", SGD{}, 0.1).AddParams(p), NewGroup("b", SGD{}, 0.1).AddParams(p))
	})
	expectPanic(t, `table "emb" is in groups "a" and "b"`, func() {
		New(NewGroup("a", SGD{}, 0.1).AddTable(tab, TableReg{}), NewGroup("b", SGD{}, 0.1).AddTable(tab, TableReg{}))
	})
	expectPanic(t, `two groups are named "a"`, func() { New(NewGroup("a", SGD{}, 0.1), NewGroup("a", SGD{}, 0.1)) })
	expectPanic(t, "added twice", func() { NewGroup("a", SGD{}, 0.1).AddParams(p, p) })
	g := NewGroup("a", SGD{}, 0.1)
	New(g)
	expectPanic(t, "add weights before New", func() { g.AddParams(p) })
}

// A table whose state was re-reserved behind the group's back must stop the
// step rather than read weights as state.
func TestStepRejectsReLaidTable(t *testing.T) {
	tab := nn.NewTable("emb", 3, 2, true)
	o := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.1).AddTable(tab, TableReg{}))
	tab.ReserveState(1)
	expectPanic(t, "re-reserved", o.Step)
}

func TestZeroGradSkipsABatch(t *testing.T) {
	p := nn.NewParam("p", 1)
	tab := nn.NewTable("emb", 3, 1, true)
	o := New(NewGroup("g", SGD{}, 1).AddParams(p).AddTable(tab, TableReg{}))
	p.G[0] = 5
	tab.GradRow(1)[0] = 5
	o.ZeroGrad()
	p.G[0] += 1
	tab.GradRow(1)[0] += 1
	o.Step()
	expectClose(t, "p", p.W, []float64{-1}, 0, 0)
	expectClose(t, "row 1", tab.Row(1), []float64{-1}, 0, 0)
}

// trainRun builds a model-sized mix of groups from a seed, trains it for a
// few steps on seeded gradients and returns every weight and state float.
func trainRun(seed uint64, steps int, resumeAt int) []float32 {
	rng := nn.NewRand(seed)
	p := nn.NewParam("p", 64)
	nn.InitNormal(p.W, 0.1, rng)
	tab := nn.NewTable("emb", 200, 4, true)
	tab.InitNormal(0.1, rng)
	adam := NewGroup("adam", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.01).AddParams(p).AddTable(tab, TableReg{Kind: RegBatch, L2: 1e-3})
	adam.Schedule = Warmup{Steps: 3, Decay: DecayCosine, Total: 20}
	q := nn.NewParam("q", 16)
	ftrl := NewGroup("ftrl", FTRL{Beta: 1, L1: 0.01}, 0.1).AddParams(q)
	o := New(adam, ftrl)
	o.ClipNorm = 2
	gradRNG := nn.NewRand(seed + 1)
	for s := 0; s < steps; s++ {
		if s == resumeAt {
			// Checkpoint and restore into fresh groups over the same weights.
			saved := map[string][]StateTensor{}
			for _, g := range o.Groups() {
				for _, st := range g.State() {
					saved[g.Name()] = append(saved[g.Name()], StateTensor{st.Name, append([]float32(nil), st.Data...)})
				}
			}
			tabData := append([]float32(nil), tab.Data...)
			adam2 := NewGroup("adam", adam.Rule(), adam.LR()).AddParams(p).AddTable(tab, TableReg{Kind: RegBatch, L2: 1e-3})
			adam2.Schedule = adam.Schedule
			ftrl2 := NewGroup("ftrl", ftrl.Rule(), ftrl.LR()).AddParams(q)
			copy(tab.Data, tabData)
			for _, g := range []*Group{adam2, ftrl2} {
				if err := g.LoadState(saved[g.Name()]); err != nil {
					panic(err)
				}
				g.SetSteps(int64(s))
			}
			o = New(adam2, ftrl2)
			o.ClipNorm = 2
		}
		nn.InitNormal(p.G, 1, gradRNG)
		nn.InitNormal(q.G, 1, gradRNG)
		for k := 0; k < 50; k++ {
			if g := tab.GradRow(int32(gradRNG.IntN(200))); g != nil {
				nn.InitNormal(g, 1, gradRNG)
			}
		}
		o.Step()
	}
	out := append([]float32(nil), p.W...)
	out = append(out, q.W...)
	out = append(out, tab.Data...)
	for _, g := range o.Groups() {
		for _, st := range g.State() {
			out = append(out, st.Data...)
		}
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b := trainRun(42, 12, -1), trainRun(42, 12, -1)
	sameBits(t, "two runs", a, b)
	if c := trainRun(43, 12, -1); c[0] == a[0] {
		t.Fatal("a different seed gave the same weights: the comparison is vacuous")
	}
}

// Saving State, Steps and the table data mid-run and restoring them into
// fresh groups must continue the run bit for bit.
func TestStateRoundTripResumesExactly(t *testing.T) {
	sameBits(t, "resumed run", trainRun(42, 12, 7), trainRun(42, 12, -1))
}

func TestLoadStateRejectsMismatch(t *testing.T) {
	p := nn.NewParam("p", 3)
	g := NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.1).AddParams(p)
	ok := []StateTensor{{"p.m", []float32{1, 2, 3}}, {"p.v", []float32{4, 5, 6}}}
	for _, c := range []struct {
		want  string
		saved []StateTensor
	}{
		{`state "p.v" missing`, ok[:1]},
		{`state "p.m" has 2 floats, want 3`, []StateTensor{{"p.m", []float32{1, 2}}, ok[1]}},
		{`no state "p.x"`, append([]StateTensor{{"p.x", nil}}, ok...)},
		{`"p.m" given twice`, append([]StateTensor{ok[0]}, ok...)},
	} {
		err := g.LoadState(c.saved)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadState error %v, want one mentioning %q", err, c.want)
		}
		for _, st := range g.State() {
			for _, v := range st.Data {
				if v != 0 {
					t.Fatalf("failed LoadState changed %s", st.Name)
				}
			}
		}
	}
	if err := g.LoadState(ok); err != nil {
		t.Fatal(err)
	}
	expectClose(t, "p.v", g.State()[1].Data, []float64{4, 5, 6}, 0, 0)
}
