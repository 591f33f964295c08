package synth

import (
	"errors"

	"github.com/recforge/recforge/metric"
)

// CTROracle is what the truth of the first Rows rows of a CTR allows.
type CTROracle struct {
	Rows int
	// CTR is the rate of sampled clicks; MeanP the mean true probability.
	CTR, MeanP float64
	// AUC ranks the rows by their true probability against their sampled
	// labels: no model can expect more on these rows.
	AUC float64
	// FirstOrderAUC ranks them by FirstOrderLogit, the logit with every
	// cross term removed. Because the planted crosses are centred, that is
	// the exact projection of the logit onto additive functions of the
	// fields (for the numeric×categorical crosses, up to the sampled mean
	// of the count): the best a first-order model such as LR can hope to
	// approximate. It is a reference, not a proven bound on LR's AUC.
	FirstOrderAUC float64
}

// Oracle generates the first n rows, the same ones Stream, Reader and
// WriteTSV give, and scores their true probabilities.
func (g *CTR) Oracle(n int) (CTROracle, error) {
	if n < 1 {
		return CTROracle{}, errNoRows
	}
	return g.OracleOf(n, func(int) bool { return true })
}

var errNoRows = errors.New("synth: no rows")

// auc scores boolean labels with metric.AUC.
func auc(scores []float64, labels []bool) (float64, error) {
	y := make([]float64, len(labels))
	for i, l := range labels {
		if l {
			y[i] = 1
		}
	}
	return metric.AUC(scores, y)
}
