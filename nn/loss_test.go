package nn

import (
	"math"
	"testing"
)

func TestSigmoidLogLossClosedForm(t *testing.T) {
	logits := []float32{0, 2, -1, 3}
	labels := []float32{1, 0, 0, 0.25}
	grad := make([]float32, 4)
	got := SigmoidLogLoss(grad, logits, labels, nil)
	var want float64
	for i, z := range logits {
		p := 1 / (1 + math.Exp(-float64(z)))
		y := float64(labels[i])
		want -= y*math.Log(p) + (1-y)*math.Log(1-p)
		if g := (p - y) / 4; math.Abs(float64(grad[i])-g) > 1e-7 {
			t.Errorf("grad[%d] = %v, want %v", i, grad[i], g)
		}
	}
	if want /= 4; math.Abs(got-want) > 1e-12 {
		t.Fatalf("loss = %v, want %v", got, want)
	}
	// z = 0, y = 1 alone: log 2.
	if l := SigmoidLogLoss(grad[:1], logits[:1], labels[:1], nil); math.Abs(l-math.Ln2) > 1e-15 {
		t.Fatalf("loss(0, 1) = %v, want ln 2", l)
	}
}

// Weights multiply each example's loss and gradient; the sum is still
// divided by n.
func TestSigmoidLogLossWeights(t *testing.T) {
	logits := []float32{0.5, -2, 1}
	labels := []float32{1, 1, 0}
	weights := []float32{2, 0, 0.5}
	plain, weighted := make([]float32, 3), make([]float32, 3)
	SigmoidLogLoss(plain, logits, labels, nil)
	got := SigmoidLogLoss(weighted, logits, labels, weights)
	var want float64
	for i := range logits {
		one := make([]float32, 1)
		want += float64(weights[i]) * SigmoidLogLoss(one, logits[i:i+1], labels[i:i+1], nil) / 3
		if !nearF64(weighted[i], float64(weights[i])*float64(plain[i])) {
			t.Errorf("weighted grad[%d] = %v, want %v·%v", i, weighted[i], weights[i], plain[i])
		}
	}
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("weighted loss = %v, want %v", got, want)
	}
}

func TestSigmoidLogLossGradients(t *testing.T) {
	logits := []float32{-3, -0.5, 0.1, 1.2, 4}
	labels := []float32{0, 1, 1, 0, 1}
	weights := []float32{1, 0.5, 2, 1, 0.3}
	grad := make([]float32, 5)
	scratch := make([]float32, 5)
	loss := func() float64 { return SigmoidLogLoss(scratch, logits, labels, weights) }
	backward := func() { SigmoidLogLoss(grad, logits, labels, weights) }
	if err := GradCheck(loss, backward, []Var{{Name: "logits", X: logits, G: grad}}, GradCheckOptions{Eps: 1e-3}); err != nil {
		t.Fatal(err)
	}
}

// Saturated logits give a finite loss (|z| for the wrong label, ≈0 for the
// right one) and a gradient of ±1/n or ≈0, never NaN or Inf.
func TestSigmoidLogLossExtremeLogits(t *testing.T) {
	logits := []float32{100, -100, 100, -100, 1e30, -1e30}
	labels := []float32{1, 0, 0, 1, 0, 0}
	grad := make([]float32, 6)
	l := SigmoidLogLoss(grad, logits, labels, nil)
	if want := (200 + float64(float32(1e30))) / 6; math.Abs(l-want) > 1e-9*want {
		t.Fatalf("loss = %v, want %v", l, want)
	}
	want := []float64{0, 0, 1.0 / 6, -1.0 / 6, 1.0 / 6, 0}
	for i, g := range grad {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) || math.Abs(float64(g)-want[i]) > 1e-7 {
			t.Fatalf("grad = %v, want ≈ %v", grad, want)
		}
	}
	if l := SigmoidLogLoss(grad[:1], []float32{100}, []float32{1}, nil); !(l > 0 && l < 1e-40) {
		t.Fatalf("loss(100, 1) = %v, want e^-100 ≈ 3.7e-44", l)
	}
}

func TestSquaredError(t *testing.T) {
	pred := []float32{1, 2.5, -1}
	target := []float32{0, 3, -1}
	weights := []float32{1, 2, 5}
	grad := make([]float32, 3)
	// (1/3)·(1·1 + 2·0.25 + 5·0) = 0.5; gradient 2·w·(p − t)/3.
	if l := SquaredError(grad, pred, target, weights); math.Abs(l-0.5) > 1e-12 {
		t.Fatalf("loss = %v, want 0.5", l)
	}
	if want := []float32{2.0 / 3, -2.0 / 3, 0}; !nearF64(grad[0], float64(want[0])) || !nearF64(grad[1], float64(want[1])) || grad[2] != 0 {
		t.Fatalf("grad = %v, want %v", grad, want)
	}
	scratch := make([]float32, 3)
	loss := func() float64 { return SquaredError(scratch, pred, target, nil) }
	backward := func() { SquaredError(grad, pred, target, nil) }
	if err := GradCheck(loss, backward, []Var{{Name: "pred", X: pred, G: grad}}, GradCheckOptions{Eps: 1e-3}); err != nil {
		t.Fatal(err)
	}
}

func TestLossesCheckLengthsAndDoNotAllocate(t *testing.T) {
	panicsWith(t, "SigmoidLogLoss: 3 logits, 2 labels", func() { SigmoidLogLoss(make([]float32, 3), make([]float32, 3), make([]float32, 2), nil) })
	panicsWith(t, "SquaredError: 3 predictions, 3 targets, 1 weights", func() {
		SquaredError(make([]float32, 3), make([]float32, 3), make([]float32, 3), make([]float32, 1))
	})
	x, y, g := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	if a := testing.AllocsPerRun(20, func() { SigmoidLogLoss(g, x, y, nil); SquaredError(g, x, y, y) }); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

// The parts of a batch give the whole batch's gradient bit for bit, each
// row scaled by 1/n of the whole batch, and their summed losses add up to
// n times its mean loss.
func TestLossParts(t *testing.T) {
	logits := []float32{0.3, -2, 5, 0, 1.5, -0.7, 2.2}
	labels := []float32{1, 0, 1, 0, 0, 1, 0.5}
	n := len(logits)
	for _, f := range []struct {
		name  string
		whole func(d, x, y []float32) float64
		part  func(d, x, y []float32, n int) float64
	}{
		{"SigmoidLogLoss", func(d, x, y []float32) float64 { return SigmoidLogLoss(d, x, y, nil) },
			func(d, x, y []float32, n int) float64 { return SigmoidLogLossPart(d, x, y, nil, n) }},
		{"SquaredError", func(d, x, y []float32) float64 { return SquaredError(d, x, y, nil) },
			func(d, x, y []float32, n int) float64 { return SquaredErrorPart(d, x, y, nil, n) }},
	} {
		want := make([]float32, n)
		mean := f.whole(want, logits, labels)
		got := make([]float32, n)
		var sum float64
		for _, cut := range [][2]int{{0, 3}, {3, 3}, {3, 7}} {
			sum += f.part(got[cut[0]:cut[1]], logits[cut[0]:cut[1]], labels[cut[0]:cut[1]], n)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s: row %d gradient %v in parts, %v whole", f.name, i, got[i], want[i])
			}
		}
		if math.Abs(sum/float64(n)-mean) > 1e-15*math.Abs(mean) {
			t.Errorf("%s: parts sum to %v/n = %v, whole mean %v", f.name, sum, sum/float64(n), mean)
		}
	}
}
