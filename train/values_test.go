package train

import (
	"slices"
	"testing"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// Data without numeric slots is gathered without values (model.Batch: nil
// means every value is 1), and a model steps on such a batch exactly as
// on the same batch with its values spelled out as ones.
func TestBatchWithoutValuesSameAsOnes(t *testing.T) {
	f := newFixture(t, 3000)
	if len(f.set.ValueSlots) != 0 {
		t.Fatalf("the fixture has %d numeric slots, want none", len(f.set.ValueSlots))
	}
	g := newBatcher(f.set, 256)
	b := g.gather(f.train.Rows[:256])
	if b.Values != nil {
		t.Fatalf("gathered %d values, want none", len(b.Values))
	}
	ones := *b
	ones.Values = make([]float32, len(b.IDs))
	for i := range ones.Values {
		ones.Values[i] = 1
	}
	for _, name := range []string{"deepfm", "fm", "lr", "ipnn", "opnn", "afm", "nfm", "fnn", "widedeep", "dcn", "deepcrossing"} {
		a, c := f.model(t, name, 256, 3), f.model(t, name, 256, 3)
		stepper := func(m model.Model) *Stepper {
			opt, err := NewOptimizer(m, Config{Optimizer: optim.Spec{Rule: "adam", LR: 0.01}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewStepper(m, opt, Binary, 256)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		sa, sc := stepper(a), stepper(c)
		for range 3 {
			la, err := sa.Step(b)
			if err != nil {
				t.Fatal(err)
			}
			lc, err := sc.Step(&ones)
			if err != nil {
				t.Fatal(err)
			}
			if la != lc {
				t.Fatalf("%s: loss %v without values, %v with ones", name, la, lc)
			}
		}
		pa, pc := model.Params(a), model.Params(c)
		for i := range pa {
			if !slices.Equal(pa[i].W, pc[i].W) {
				t.Errorf("%s: parameter %s differs after three steps", name, pa[i].Name)
			}
		}
		ta, tc := model.Tables(a), model.Tables(c)
		for i := range ta {
			if !slices.Equal(ta[i].Data, tc[i].Data) {
				t.Errorf("%s: table %s differs after three steps", name, ta[i].Name)
			}
		}
	}
}
