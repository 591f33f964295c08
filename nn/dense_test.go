package nn

import "testing"

func TestDenseGradients(t *testing.T) {
	for _, act := range []Activation{ActNone, ActReLU, ActSigmoid, ActTanh} {
		t.Run(act.String(), func(t *testing.T) {
			rng := NewRand(1)
			const n, in, out = 5, 7, 3
			d := NewDense("d", in, out, 8, act, rng)
			InitNormal(d.B.W, 0.3, rng)
			x := make([]float32, n*in)
			InitNormal(x, 1, rng)
			r := make([]float32, n*out)
			InitNormal(r, 1, rng)
			dyBuf := make([]float32, n*out)
			dxCopy := make([]float32, n*in)
			loss := func() float64 { return ProbeLoss(d.Forward(x, n), r) }
			backward := func() {
				d.W.ZeroGrad()
				d.B.ZeroGrad()
				d.Forward(x, n)
				copy(dyBuf, r)
				copy(dxCopy, d.Backward(dyBuf))
			}
			vars := []Var{ParamVar(d.W), ParamVar(d.B), {Name: "x", X: x, G: dxCopy}}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDenseForwardByHand(t *testing.T) {
	d := NewDense("d", 2, 2, 1, ActReLU, NewRand(0))
	copy(d.W.W, []float32{1, -1, 2, 0.5}) // rows: input 0, input 1
	copy(d.B.W, []float32{0.5, -3})
	y := d.Forward([]float32{1, 2}, 1)
	// z = [1·1+2·2+0.5, 1·(−1)+2·0.5−3] = [5.5, −3] → ReLU → [5.5, 0]
	if y[0] != 5.5 || y[1] != 0 {
		t.Fatalf("y = %v, want [5.5 0]", y)
	}
}
