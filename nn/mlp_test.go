package nn

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// mlpReplay returns a function that reseeds m, so that each Forward of a
// gradient check draws the same masks.
func mlpReplay(m *MLP) func() {
	return func() { m.Reseed(100) }
}

func TestMLPStructure(t *testing.T) {
	cfg := MLPConfig{Name: "m", In: 6, Hidden: []int{5, 4}, Activation: ActReLU, BatchNorm: true, Dropout: 0.5, Out: 1}
	m := NewMLP(cfg, 8, NewRand(1))
	var kinds []string
	for _, l := range m.layers {
		k := strings.TrimPrefix(fmt.Sprintf("%T", l), "*nn.")
		if d, ok := l.(*Dense); ok {
			k += "(" + d.Act.String() + ")"
		}
		kinds = append(kinds, k)
	}
	want := []string{"Dense(none)", "BatchNorm", "ReLU", "Dropout", "Dense(none)", "BatchNorm", "ReLU", "Dropout", "Dense(none)"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("layers %v, want %v", kinds, want)
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	wantNames := []string{"m.h0.w", "m.h0.b", "m.h0.bn.gamma", "m.h0.bn.beta", "m.h1.w", "m.h1.b", "m.h1.bn.gamma", "m.h1.bn.beta", "m.out.w", "m.out.b"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("params %v, want %v", names, wantNames)
	}
	if len(m.Dense) != 3 || len(m.Stats()) != 2 || m.OutWidth() != 1 {
		t.Fatalf("%d Dense, %d stats, out width %d; want 3, 2, 1", len(m.Dense), len(m.Stats()), m.OutWidth())
	}
	// Without BatchNorm the activation is fused into Dense.
	plain := NewMLP(MLPConfig{Name: "p", In: 3, Hidden: []int{4}, Activation: ActTanh, Out: 2, OutActivation: ActSigmoid}, 2, NewRand(1))
	if len(plain.layers) != 2 || plain.Dense[0].Act != ActTanh || plain.Dense[1].Act != ActSigmoid {
		t.Fatalf("plain MLP layers %v", plain.layers)
	}
}

func TestMLPGradients(t *testing.T) {
	cases := []MLPConfig{
		{Name: "tanh", In: 5, Hidden: []int{6, 4}, Activation: ActTanh, Out: 1},
		{Name: "relu_bn_dropout", In: 5, Hidden: []int{6, 4}, Activation: ActReLU, BatchNorm: true, Dropout: 0.3, Out: 2},
		{Name: "prelu_dropout", In: 4, Hidden: []int{5}, Learned: LearnedPReLU, Dropout: 0.2, Out: 1},
		{Name: "dice_bn_tower", In: 4, Hidden: []int{5, 3}, Learned: LearnedDice, BatchNorm: true},
		{Name: "sigmoid_out", In: 3, Hidden: []int{4}, Activation: ActSigmoid, Out: 2, OutActivation: ActSigmoid},
		{Name: "linear", In: 3, Out: 2},
	}
	for _, cfg := range cases {
		t.Run(cfg.Name, func(t *testing.T) {
			const n = 6
			rng := NewRand(3)
			m := NewMLP(cfg, n, rng)
			for _, p := range m.Params() {
				if strings.HasSuffix(p.Name, ".b") || strings.HasSuffix(p.Name, ".beta") || strings.HasSuffix(p.Name, ".alpha") {
					InitNormal(p.W, 0.3, rng) // non-trivial biases and slopes
				}
			}
			x := make([]float32, n*cfg.In)
			InitNormal(x, 1, rng)
			checkRowLayer(t, m, x, n, m.OutWidth(), m.Params(), mlpReplay(m), nil, GradCheckOptions{Eps: 1e-3})
		})
	}
}

func TestMLPForwardByHand(t *testing.T) {
	m := NewMLP(MLPConfig{In: 2, Hidden: []int{2}, Activation: ActReLU, Out: 1}, 1, NewRand(0))
	h, o := m.Dense[0], m.Dense[1]
	copy(h.W.W, []float32{1, -1, 2, 1}) // h = ReLU([x0 + 2·x1, −x0 + x1] + [0, 0.5])
	copy(o.W.W, []float32{3, -2})       // y = 3·h0 − 2·h1 + 1
	o.B.W[0] = 1
	// x = [1, 1]: h = ReLU([3, 0.5]) = [3, 0.5], y = 9 − 1 + 1 = 9.
	h.B.W[1] = 0.5
	if y := m.Forward([]float32{1, 1}, 1); y[0] != 9 {
		t.Fatalf("y = %v, want 9", y[0])
	}
	// x = [2, −1]: h = ReLU([0, −2.5]) = [0, 0], y = 1.
	if y := m.Forward([]float32{2, -1}, 1); y[0] != 1 {
		t.Fatalf("y = %v, want 1", y[0])
	}
}

// After SetTraining(false) nothing depends on the batch or on chance: an
// example gives the same output alone as in a batch, and twice in a row.
func TestMLPSetTrainingPropagates(t *testing.T) {
	const n = 8
	cfg := MLPConfig{Name: "m", In: 4, Hidden: []int{6, 5}, Learned: LearnedDice, BatchNorm: true, Dropout: 0.5, Out: 1}
	m := NewMLP(cfg, n, NewRand(4))
	x := make([]float32, n*4)
	InitNormal(x, 1, NewRand(5))
	for range 3 { // move the running statistics away from their start
		m.Forward(x, n)
	}
	m.SetTraining(false)
	for _, s := range m.Stats() {
		if s.Training() {
			t.Fatal("a BatchNorm or Dice layer is still training")
		}
	}
	batch := append([]float32(nil), m.Forward(x, n)...)
	if again := m.Forward(x, n); !bitEqual(again, batch) {
		t.Fatal("two inference passes differ: dropout still active?")
	}
	for i := 0; i < n; i++ {
		alone := m.Forward(x[i*4:i*4+4], 1)[0]
		if math.Abs(float64(alone-batch[i])) > 1e-5*math.Max(1, math.Abs(float64(batch[i]))) {
			t.Fatalf("example %d: %v alone, %v in the batch", i, alone, batch[i])
		}
	}
	m.SetTraining(true)
	if again := m.Forward(x, n); bitEqual(again, batch) {
		t.Fatal("training pass equals the inference pass: SetTraining(true) not propagated")
	}
}

// Two MLPs built from the same seed and fed the same batches agree bit for
// bit: initialisation, dropout masks, running statistics and gradients.
func TestMLPDeterministic(t *testing.T) {
	const n = 16
	cfg := MLPConfig{Name: "m", In: 7, Hidden: []int{12, 8}, Activation: ActReLU, BatchNorm: true, Dropout: 0.4, Out: 1}
	run := func(seed uint64) (outs [][]float32, m *MLP) {
		m = NewMLP(cfg, n, NewRand(seed))
		x := make([]float32, n*7)
		dy := make([]float32, n)
		rng := NewRand(9)
		for range 3 {
			InitNormal(x, 1, rng)
			InitNormal(dy, 1, rng)
			outs = append(outs, append([]float32(nil), m.Forward(x, n)...))
			outs = append(outs, append([]float32(nil), m.Backward(dy)...))
		}
		return outs, m
	}
	a, ma := run(1)
	b, mb := run(1)
	for i := range a {
		if !bitEqual(a[i], b[i]) {
			t.Fatalf("output %d differs between identical runs", i)
		}
	}
	for i, p := range ma.Params() {
		if !bitEqual(p.W, mb.Params()[i].W) || !bitEqual(p.G, mb.Params()[i].G) {
			t.Fatalf("parameter %s differs between identical runs", p.Name)
		}
	}
	for i, s := range ma.Stats() {
		if !bitEqual(s.RunningMean, mb.Stats()[i].RunningMean) || !bitEqual(s.RunningVar, mb.Stats()[i].RunningVar) {
			t.Fatalf("running statistics %d differ between identical runs", i)
		}
	}
	if c, _ := run(2); bitEqual(a[0], c[0]) {
		t.Fatal("different seeds give the same output")
	}
}

// Reseed restarts every dropout stream: the same seed replays the masks
// whatever was drawn before, another seed draws others, and the layers do
// not share a stream.
func TestMLPReseed(t *testing.T) {
	const n = 4
	cfg := MLPConfig{Name: "m", In: 3, Hidden: []int{6, 6}, Activation: ActReLU, Dropout: 0.5, Out: 1}
	a, b := NewMLP(cfg, n, NewRand(1)), NewMLP(cfg, n, NewRand(1))
	x := make([]float32, n*3)
	InitNormal(x, 1, NewRand(2))
	masks := func(m *MLP) (all []float32) {
		for _, d := range m.drops {
			all = append(all, d.mask[:n*d.Width]...)
		}
		return all
	}
	a.Forward(x, n) // a's streams move on, b's stay at their start
	a.Reseed(7)
	b.Reseed(7)
	ya := append([]float32(nil), a.Forward(x, n)...)
	yb := b.Forward(x, n)
	if !bitEqual(ya, yb) || !bitEqual(masks(a), masks(b)) {
		t.Fatal("Reseed(7) gave two MLPs different masks")
	}
	first := masks(a)
	if d := a.drops; len(d) != 2 || bitEqual(d[0].mask[:n*6], d[1].mask[:n*6]) {
		t.Fatalf("%d Dropout layers, or two with the same masks", len(d))
	}
	a.Forward(x, n)
	if bitEqual(masks(a), first) {
		t.Fatal("the next Forward drew the same masks")
	}
	a.Reseed(7)
	a.Forward(x, n)
	if !bitEqual(masks(a), first) {
		t.Fatal("Reseed(7) did not replay the masks")
	}
	a.Reseed(8)
	a.Forward(x, n)
	if bitEqual(masks(a), first) {
		t.Fatal("Reseed(8) replayed Reseed(7)'s masks")
	}
	// Without dropout there is nothing to reseed.
	plain := NewMLP(MLPConfig{Name: "p", In: 3, Hidden: []int{4}, Activation: ActReLU, Out: 1}, n, NewRand(1))
	y := append([]float32(nil), plain.Forward(x, n)...)
	plain.Reseed(7)
	if !bitEqual(plain.Forward(x, n), y) {
		t.Fatal("Reseed changed an MLP without dropout")
	}
}

func TestMLPNoInputGradAndAllocation(t *testing.T) {
	const n = 8
	cfg := MLPConfig{Name: "m", In: 5, Hidden: []int{6}, Activation: ActReLU, BatchNorm: true, Dropout: 0.5, Out: 1, NoInputGrad: true}
	m := NewMLP(cfg, n, NewRand(1))
	x := make([]float32, n*5)
	InitNormal(x, 1, NewRand(2))
	dy := make([]float32, n)
	m.Forward(x, n)
	if dx := m.Backward(dy); dx != nil {
		t.Fatal("NoInputGrad MLP returned an input gradient")
	}
	cfg.NoInputGrad, cfg.Learned, cfg.Activation = false, LearnedDice, ActNone
	m = NewMLP(cfg, n, NewRand(1))
	if a := stepAllocs(m, x, n, dy); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}

func TestMLPRejectsBadConfig(t *testing.T) {
	rng := NewRand(1)
	panicsWith(t, "Activation relu and Learned dice both set", func() {
		NewMLP(MLPConfig{Name: "m", In: 2, Hidden: []int{2}, Activation: ActReLU, Learned: LearnedDice, Out: 1}, 1, rng)
	})
	panicsWith(t, "dropout rate must be in [0, 1), got 1", func() {
		NewMLP(MLPConfig{Name: "m", In: 2, Hidden: []int{2}, Dropout: 1, Out: 1}, 1, rng)
	})
	panicsWith(t, "at least one layer", func() { NewMLP(MLPConfig{Name: "m", In: 2}, 1, rng) })
	panicsWith(t, "hidden layer 1 has width 0", func() {
		NewMLP(MLPConfig{Name: "m", In: 2, Hidden: []int{3, 0}, Out: 1}, 1, rng)
	})
}
