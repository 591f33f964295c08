package optim_test

import (
	"fmt"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// A logistic-regression-sized model trained end to end: an embedding table
// updated with lazy Adam, a Dense layer with dense Adam, log loss.
func Example() {
	const batch = 4
	rng := nn.NewRand(1)
	emb := nn.NewTable("emb", 10, 3, true) // row 0 is padding
	emb.InitNormal(0.1, rng)
	lookup := nn.NewFieldEmbedding(emb, 2, batch)
	out := nn.NewDense("out", 6, 1, batch, nn.ActNone, rng)

	g := optim.NewGroup("all", optim.Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.05)
	g.AddParams(out.Params()...)
	g.AddTable(emb, optim.TableReg{})
	opt := optim.New(g)

	ids := []int32{1, 2, 3, 4, 5, 6, 7, 0} // two fields per example
	labels := []float32{1, 0, 1, 0}
	dlogit := make([]float32, batch)
	var first, last float64
	for step := range 100 {
		logits := out.Forward(lookup.Forward(ids, nil, batch), batch)
		loss := nn.SigmoidLogLoss(dlogit, logits, labels, nil)
		lookup.Backward(out.Backward(dlogit))
		opt.Step()
		if step == 0 {
			first = loss
		}
		last = loss
	}
	fmt.Printf("log loss %.2f -> %.2f; padding row still %v\n", first, last, emb.Row(0))
	// Output: log loss 0.74 -> 0.00; padding row still [0 0 0]
}
