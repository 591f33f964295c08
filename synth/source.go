package synth

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/recforge/recforge/data"
)

// The "synthetic" reader serves generated data through data.Open, so every
// command that takes a data spec can run without a file:
//
//	synthetic:ctr?rows=100000&seed=1
//
// serves the first rows rows of the Criteo-shaped CTR generator with the
// given seed (defaults 100000 and 1), in the columns of CTR.Columns;
// max_vocab=N caps every field's cardinality at N.
func init() {
	data.Register("synthetic", func(path string, _ data.ReadOptions) (data.Reader, error) {
		g, rows, err := ParseCTRSpec(path)
		if err != nil {
			return nil, err
		}
		return g.Reader(rows), nil
	}, true)
}

// ParseCTRSpec builds the generator and row count of a synthetic CTR spec
// path, "ctr?rows=N&seed=S[&max_vocab=V]" (the part after "synthetic:").
func ParseCTRSpec(path string) (*CTR, int, error) {
	kind, query, _ := strings.Cut(path, "?")
	if kind != "ctr" {
		return nil, 0, fmt.Errorf("synthetic data %q: unknown generator %q, expected ctr (e.g. synthetic:ctr?rows=100000&seed=1)", path, kind)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, 0, fmt.Errorf("synthetic data %q: %w", path, err)
	}
	rows, seed, maxVocab := 100000, uint64(1), 0
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "rows":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, 0, fmt.Errorf("synthetic data %q: rows=%q, want a positive integer", path, v)
			}
			rows = n
		case "seed":
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("synthetic data %q: seed=%q, want a non-negative integer", path, v)
			}
			seed = s
		case "max_vocab":
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 {
				return nil, 0, fmt.Errorf("synthetic data %q: max_vocab=%q, want an integer ≥ 2", path, v)
			}
			maxVocab = n
		default:
			return nil, 0, fmt.Errorf("synthetic data %q: unknown parameter %q, expected rows, seed or max_vocab", path, k)
		}
	}
	cfg := CTRConfig{Seed: seed}
	if maxVocab > 0 {
		// Capped cardinalities keep Criteo's shape while letting a small
		// sample revisit each value often enough to learn it.
		for _, v := range CriteoVocab {
			cfg.Vocab = append(cfg.Vocab, min(v, maxVocab))
		}
		cfg.CatMissing = criteoCatMissing
	}
	g, err := NewCTR(cfg)
	if err != nil {
		return nil, 0, err
	}
	return g, rows, nil
}

// OracleOf is Oracle over the rows among the first n for which keep
// returns true (keep gets the row's ordinal): the truth of a split's part.
func (g *CTR) OracleOf(n int, keep func(row int) bool) (CTROracle, error) {
	s := g.Stream()
	row := g.NewRow()
	var full, first []float64
	var labels []bool
	var o CTROracle
	for i := range n {
		s.Next(&row)
		if !keep(i) {
			continue
		}
		full, first, labels = append(full, row.Logit), append(first, row.FirstOrderLogit), append(labels, row.Label)
		o.MeanP += row.P
		if row.Label {
			o.CTR++
		}
	}
	o.Rows = len(labels)
	if o.Rows == 0 {
		return o, errNoRows
	}
	o.CTR /= float64(o.Rows)
	o.MeanP /= float64(o.Rows)
	var err error
	if o.AUC, err = auc(full, labels); err != nil {
		return o, err
	}
	o.FirstOrderAUC, err = auc(first, labels)
	return o, err
}
