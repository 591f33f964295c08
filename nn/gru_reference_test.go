package nn

import "math"

// gruReference runs the GRU recurrence of gru.go's doc comment in float64,
// one row and one step at a time, with no packing, no SGEMM and no shared
// code: the independent expectation the float32 layers are compared with.
// att is nil for a plain GRU; otherwise mode says how it enters the update
// gate, and scaleInput multiplies the inputs by it first (AIGRU).
func gruReference(g *GRU, mode gateMode, scaleInput bool, x, att []float32, n, steps int, lens []int32) (hs, last []float64) {
	in, H := g.In, g.Hidden
	G := 3 * H
	hs = make([]float64, n*steps*H)
	last = make([]float64, n*H)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	for i := 0; i < n; i++ {
		h := make([]float64, H)
		for t := 0; t < int(lens[i]); t++ {
			idx := i*steps + t
			a := 1.0
			if att != nil {
				a = float64(att[idx])
			}
			xt := make([]float64, in)
			for k := range xt {
				xt[k] = float64(x[idx*in+k])
				if scaleInput {
					xt[k] *= a
				}
			}
			proj := func(col int) (fromX, fromH float64) {
				fromX = float64(g.B.W[col])
				for k, v := range xt {
					fromX += v * float64(g.Wx.W[k*G+col])
				}
				for k, v := range h {
					fromH += v * float64(g.U.W[k*G+col])
				}
				return fromX, fromH
			}
			next := make([]float64, H)
			for j := 0; j < H; j++ {
				ux, uh := proj(j)
				rx, rh := proj(H + j)
				cx, ch := proj(2*H + j)
				u := sig(ux + uh)
				r := sig(rx + rh)
				c := math.Tanh(cx + r*(ch+float64(g.Bn.W[j])))
				gate := u
				switch mode {
				case gateScaled:
					gate = a * u
				case gateReplace:
					gate = a
				}
				next[j] = (1-gate)*h[j] + gate*c
			}
			h = next
			copy(hs[idx*H:], h)
		}
		copy(last[i*H:], h)
	}
	return hs, last
}
