package optim

import "testing"

func TestSpecNewRuleDefaultsAndErrors(t *testing.T) {
	r, err := Spec{Rule: "adam", LR: 1e-3}.NewRule()
	if err != nil || r != (Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}) {
		t.Fatalf("adam defaults: %#v, %v", r, err)
	}
	r, err = Spec{Rule: "ftrl", LR: 0.1, L1: 1}.NewRule()
	if err != nil || r != (FTRL{Beta: 1, L1: 1}) {
		t.Fatalf("ftrl: %#v, %v", r, err)
	}
	g, err := Spec{Rule: "adagrad", LR: 0.01, WeightDecay: 1e-4}.NewGroup("deep")
	if err != nil || g.Name() != "deep" || g.LR() != 0.01 || g.L2 != 1e-4 {
		t.Fatalf("group: %+v, %v", g, err)
	}
	for _, bad := range []Spec{{Rule: "lion", LR: 1}, {Rule: "adam"}, {Rule: "sgd", LR: -1}, {Rule: "adam", LR: 1, Beta1: 1}, {Rule: "sgd", LR: 1, WeightDecay: -1}} {
		if _, err := bad.NewRule(); err == nil {
			if _, err := bad.NewGroup("x"); err == nil {
				t.Errorf("%+v accepted", bad)
			}
		}
	}
}
