package model

import (
	"math"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// Helpers shared by the tests of FM, DeepFM, NFM and AFM.

// fmFamily lists the registered models built on fmBase.
var fmFamily = []string{"fm", "deepfm", "nfm", "afm"}

// fixedMasks wraps a model with dropout so that every Forward draws the
// same masks (it reseeds first): the loss becomes a deterministic function
// of the parameters and a finite-difference check can run in training mode.
type fixedMasks struct {
	Model
	seed uint64
}

func (f fixedMasks) Forward(b *Batch) []float32 {
	f.Model.(Reseeder).Reseed(f.seed)
	return f.Model.Forward(b)
}

// forwardCopy returns a copy of m's outputs on b.
func forwardCopy(m Model, b *Batch) []float32 {
	return append([]float32(nil), m.Forward(b)...)
}

// checkReseedReplaysMasks checks, for a model in training mode with
// dropout, that Reseed replays the masks exactly and that consecutive
// batches draw fresh masks.
func checkReseedReplaysMasks(t *testing.T, m Model, b *Batch) {
	t.Helper()
	r := m.(Reseeder)
	m.SetTraining(true)
	r.Reseed(7)
	first := forwardCopy(m, b)
	second := forwardCopy(m, b)
	r.Reseed(7)
	replay := forwardCopy(m, b)
	if !equalBits(first, replay) {
		t.Fatalf("Reseed(7) did not replay the masks: %v then %v", first, replay)
	}
	if equalBits(first, second) {
		t.Fatal("two training forwards drew the same dropout masks")
	}
	m.SetTraining(false)
	inf1, inf2 := forwardCopy(m, b), forwardCopy(m, b)
	if !equalBits(inf1, inf2) {
		t.Fatal("inference forwards differ")
	}
	if equalBits(inf1, first) {
		t.Fatal("inference used the training masks")
	}
}

// checkSameSeedSameLogits builds the registered model name twice from the
// same Env and params and checks that both give bit-identical logits, and
// that another seed gives other logits.
func checkSameSeedSameLogits(t *testing.T, name, params string, l Layout) {
	t.Helper()
	b := tinyBatch(l, 12, 5)
	build := func(seed uint64) Model {
		m, _, err := New(name, []byte(params), Env{Layout: l, MaxBatch: 16, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	run := func(m Model) []float32 {
		if r, ok := m.(Reseeder); ok {
			r.Reseed(3)
		}
		return forwardCopy(m, b)
	}
	a, c := run(build(11)), run(build(11))
	if !equalBits(a, c) {
		t.Fatalf("same seed, different logits:\n%v\n%v", a, c)
	}
	if equalBits(a, run(build(12))) {
		t.Fatal("another seed gave the same logits")
	}
}

// checkConfigError checks that building fails with an error mentioning
// want.
func checkConfigError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error about %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// closeTo reports |a − b| ≤ tol·max(1, |b|).
func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// rowEmbedding returns x·v[id] for one slot of a row in float64, zero for
// the padding id.
func rowEmbedding(tb *nn.Table, id int32, x float32) []float64 {
	e := make([]float64, tb.Dim)
	if id == 0 {
		return e
	}
	for d, v := range tb.Row(id) {
		e[d] = float64(x) * float64(v)
	}
	return e
}

// firstOrder returns w0 + Σ_f w[id_f]·x_f of row i in float64.
func firstOrder(lin *linear, b *Batch, i int) float64 {
	f := len(b.IDs) / b.N
	s := float64(lin.bias.W[0])
	for j := range f {
		if id := b.IDs[i*f+j]; id != 0 {
			s += float64(lin.w.Row(id)[0]) * float64(b.Values[i*f+j])
		}
	}
	return s
}

func TestFMFamilyCommonConfigErrors(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	for _, name := range fmFamily {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				params, want string
				env          Env
			}{
				{`{"embedding_dim": -1}`, "embedding_dim", env},
				{`{"init_std": 0}`, "init_std", env},
				{`{"init_std": -0.5}`, "init_std", env},
				{`{}`, "max batch", Env{Layout: l}},
				{`{}`, "no field", Env{Layout: Layout{Rows: 1}, MaxBatch: 4}},
			} {
				_, _, err := New(name, []byte(c.params), c.env)
				checkConfigError(t, err, c.want)
			}
			// Fields of different widths need embedding_dim.
			mixed := tinyLayout(2, 0, 3, 4)
			mixed.Slots[1].Dim = 5
			_, _, err := New(name, nil, Env{Layout: mixed, MaxBatch: 4})
			checkConfigError(t, err, "embedding_dim")
			if _, _, err := New(name, []byte(`{"embedding_dim": 3}`), Env{Layout: mixed, MaxBatch: 4}); err != nil {
				t.Fatalf("embedding_dim override rejected: %v", err)
			}
		})
	}
}

func TestFMFamilyEmptyBatch(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	for _, name := range fmFamily {
		m, _, err := New(name, nil, Env{Layout: l, MaxBatch: 4, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if out := m.Forward(&Batch{}); len(out) != 0 {
			t.Fatalf("%s: %d outputs for an empty batch", name, len(out))
		}
		m.Backward(nil)
	}
}

func TestFMFamilyStepAllocatesNothing(t *testing.T) {
	l := tinyLayout(3, 1, 5, 4)
	b := tinyBatch(l, 16, 5)
	dl := make([]float32, b.N)
	// DeepFM's defaults have no BatchNorm; NFM's and AFM's have all their
	// layers on.
	extra := map[string]string{"deepfm": `{"hidden": [8, 4], "batch_norm": true}`}
	for _, name := range fmFamily {
		m, _, err := New(name, []byte(extra[name]), Env{Layout: l, MaxBatch: 16, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		params, tables := Params(m), Tables(m) // Parts builds its lists anew
		allocs := testing.AllocsPerRun(5, func() {
			for _, p := range params {
				p.ZeroGrad()
			}
			for _, tb := range tables {
				tb.ZeroGrad()
			}
			nn.SigmoidLogLoss(dl, m.Forward(b), b.Label, nil)
			m.Backward(dl)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per step", name, allocs)
		}
	}
}
