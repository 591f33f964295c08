package optim

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

func TestScheduleValues(t *testing.T) {
	cases := []struct {
		name string
		s    Schedule
		at   []int64
		want []float64
	}{
		{"constant", Constant{}, []int64{0, 1e6}, []float64{1, 1}},
		// 0.5^⌊s/10⌋
		{"step", StepDecay{Every: 10, Gamma: 0.5}, []int64{0, 9, 10, 25}, []float64{1, 1, 0.5, 0.25}},
		// 0.5^(s/10): 0.5^0.5 = 0.707106781
		{"exp", ExpDecay{Rate: 0.5, Steps: 10}, []int64{0, 5, 20}, []float64{1, 0.707106781, 0.25}},
		// (s+1)/4 for s < 4, then hold.
		{"warmup", Warmup{Steps: 4}, []int64{0, 1, 3, 4, 1000}, []float64{0.25, 0.5, 1, 1, 1}},
		// After warmup, p = (s − 4)/10: 1 − p.
		{"warmup-linear", Warmup{Steps: 4, Decay: DecayLinear, Total: 14},
			[]int64{0, 3, 4, 9, 13, 14, 50}, []float64{0.25, 1, 1, 0.5, 0.1, 0, 0}},
		// p = (s − 4)/8, 0.1 + 0.9·(1 + cos πp)/2:
		// p = 0.25 → 0.1 + 0.45·1.70710678 = 0.868198052; p = 0.5 → 0.55.
		{"warmup-cosine", Warmup{Steps: 4, Decay: DecayCosine, Total: 12, Final: 0.1},
			[]int64{2, 4, 6, 8, 12, 20}, []float64{0.75, 1, 0.868198052, 0.55, 0.1, 0.1}},
	}
	for _, c := range cases {
		for i, s := range c.at {
			if got := c.s.Factor(s); math.Abs(got-c.want[i]) > 1e-9 {
				t.Errorf("%s: Factor(%d) = %.9g, want %.9g", c.name, s, got, c.want[i])
			}
		}
	}
}

func TestScheduleRejectsBadSettings(t *testing.T) {
	expectPanic(t, "Every", func() { StepDecay{Gamma: 0.5}.Factor(3) })
	expectPanic(t, "ExpDecay.Steps", func() { ExpDecay{Rate: 0.5}.Factor(3) })
	expectPanic(t, "Total > Steps", func() { Warmup{Steps: 10, Decay: DecayCosine, Total: 10}.Factor(3) })
}

// A group applies base·Factor(s) at its s-th step (0-based), and SetLR
// changes the base under the schedule, as reduce-on-plateau does.
func TestGroupFollowsScheduleAndSetLR(t *testing.T) {
	p := nn.NewParam("p", 1)
	g := NewGroup("g", SGD{}, 0.2).AddParams(p)
	g.Schedule = StepDecay{Every: 2, Gamma: 0.5}
	o := New(g)
	// With g = 1 each step moves w by −lr: 0.2, 0.2, 0.1, then the base is
	// halved to 0.1 so step 3 (factor 0.5) moves by 0.05.
	want := []float64{-0.2, -0.4, -0.5}
	for i, w := range want {
		if i == 2 {
			if got := g.CurrentLR(); math.Abs(float64(got)-0.1) > 1e-8 {
				t.Fatalf("CurrentLR before step 3 = %v, want 0.1", got)
			}
		}
		p.G[0] = 1
		o.Step()
		expectClose(t, "w", p.W, []float64{w}, 0, 1e-6)
	}
	o.ScaleLR(0.5)
	if g.LR() != 0.1 {
		t.Fatalf("LR after ScaleLR(0.5) = %v, want 0.1", g.LR())
	}
	p.G[0] = 1
	o.Step()
	expectClose(t, "w after ScaleLR", p.W, []float64{-0.55}, 0, 1e-6)
	if g.Steps() != 4 {
		t.Fatalf("Steps = %d, want 4", g.Steps())
	}
}
