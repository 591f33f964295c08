package optim

import "fmt"

// RegKind selects how a table's rows are regularized.
type RegKind int

// The table regularizers. Each adds λ_r·w_r to the gradient of a row r that
// is touched in the batch, so rows that are absent cost nothing.
const (
	// RegNone applies no regularization: the default.
	RegNone RegKind = iota
	// RegBatch ("batch-only" L2) uses λ_r = λ for every touched row.
	RegBatch
	// RegMBA is the mini-batch aware regularization of DIN (Zhou et al.,
	// KDD'18, eq. 5): λ_r = λ/n_r, where n_r is the row's frequency in the
	// training data, so frequent ids are regularized less per batch.
	RegMBA
)

// String names the regularizer as configuration files and model docs spell it.
func (k RegKind) String() string {
	switch k {
	case RegNone:
		return "none"
	case RegBatch:
		return "batch"
	case RegMBA:
		return "mba"
	}
	return fmt.Sprintf("RegKind(%d)", int(k))
}

// TableReg is the regularization of one table in a group. The zero value
// is RegNone.
type TableReg struct {
	// Kind selects the regularizer.
	Kind RegKind
	// L2 is λ: the penalty is (λ_r/2)‖w_r‖² per touched row r.
	L2 float32
	// Freq holds, for RegMBA, the number of times each row occurs in the
	// training data (len Rows). A touched row counts as occurring at least
	// once, so a zero count is read as 1.
	Freq []uint32
}

// check reports a regularization that cannot apply to a table of rows rows.
func (reg TableReg) check(rows int) error {
	if !(reg.L2 >= 0) {
		return fmt.Errorf("L2 = %v, want ≥ 0", reg.L2)
	}
	switch reg.Kind {
	case RegNone, RegBatch:
		if reg.Freq != nil {
			return fmt.Errorf("Freq is only used by RegMBA, not %v", reg.Kind)
		}
	case RegMBA:
		if len(reg.Freq) != rows {
			return fmt.Errorf("RegMBA needs one frequency per row: len(Freq) = %d, Rows = %d", len(reg.Freq), rows)
		}
	default:
		return fmt.Errorf("unknown regularizer %v", reg.Kind)
	}
	return nil
}

// lambda returns λ_r for the touched row r.
func (reg *TableReg) lambda(r int32) float32 {
	switch reg.Kind {
	case RegBatch:
		return reg.L2
	case RegMBA:
		n := reg.Freq[r]
		if n == 0 {
			n = 1
		}
		return reg.L2 / float32(n)
	}
	return 0
}

// addDecay prepares a gradient for the rule: g ← scale·g + λ·w, where scale
// comes from norm clipping and λ from L2 regularization.
func addDecay(g, w []float32, scale, lambda float32) {
	switch {
	case lambda == 0 && scale == 1:
	case lambda == 0:
		for i := range g {
			g[i] *= scale
		}
	default:
		w = w[:len(g)]
		for i, gi := range g {
			g[i] = gi*scale + lambda*w[i]
		}
	}
}
