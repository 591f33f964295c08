package serve

import (
	"context"
	"fmt"
	"slices"
)

// Columns returns the input columns of model name: the keys of its
// requests, and the order of the values of Score's and Rank's rows.
func (s *Server) Columns(name string) ([]Column, error) {
	e := s.entry(name)
	if e == nil {
		return nil, unknownModel(name)
	}
	return slices.Clone(e.cur.Load().in.cols), nil
}

// rawRows is a rowSource over caller-given raw values. Each replica holds
// one, so that passing it as an interface allocates nothing.
type rawRows struct {
	rows [][][]byte
	ctx  [][]byte // rank context, or nil
	base int      // the chunk's first row
	n    int
	what string
	cols []Column
}

func (r *rawRows) rowCount() int { return r.n }

func (r *rawRows) fill(i int, dst [][]byte) {
	row := r.rows[r.base+i]
	for k := range dst {
		dst[k] = row[k]
		if dst[k] == nil && r.ctx != nil {
			dst[k] = r.ctx[k]
		}
	}
}

func (r *rawRows) path(i, col int) string {
	return r.what + "[" + itoa(r.base+i) + "]." + r.cols[col].Name
}

// Score scores rows of raw values with model name, in process: each row
// holds one value per column of Columns (nil or empty for a missing value),
// the bytes the training file would have held. scores receives one score
// per row (a probability for a binary task) and must be at least as long as
// rows. It returns the version that scored every row. Past the first call
// it allocates nothing.
func (s *Server) Score(ctx context.Context, name string, rows [][][]byte, scores []float32) (string, error) {
	return s.score(ctx, name, "rows", nil, rows, scores)
}

func (s *Server) score(ctx context.Context, name, what string, context [][]byte, rows [][][]byte, scores []float32) (string, error) {
	e := s.entry(name)
	if e == nil {
		return "", unknownModel(name)
	}
	v := e.cur.Load()
	if len(scores) < len(rows) {
		return "", fmt.Errorf("serve: %d scores for %d rows", len(scores), len(rows))
	}
	nc := len(v.in.cols)
	if context != nil && len(context) != nc {
		return "", fmt.Errorf("serve: context has %d values, model %s reads %d columns", len(context), name, nc)
	}
	for i, row := range rows {
		if len(row) != nc {
			return "", fmt.Errorf("serve: row %d has %d values, model %s reads %d columns", i, len(row), name, nc)
		}
		if context != nil {
			for k := range row {
				if row[k] != nil && context[k] != nil {
					return "", badRequest(CodeDuplicateField, fmt.Sprintf("%s[%d].%s", what, i, v.in.cols[k].Name),
						"column %s is given both in context and in the candidate", v.in.cols[k].Name)
				}
			}
		}
	}
	rep, err := v.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer v.release(rep)
	src := &rep.raw
	*src = rawRows{rows: rows, ctx: context, what: what, cols: v.in.cols}
	for src.base = 0; src.base < len(rows); src.base += v.maxBatch {
		src.n = min(v.maxBatch, len(rows)-src.base)
		out, err := v.score(rep, src)
		if err == nil && !finite(out) {
			err = fmt.Errorf("model %s version %s produced a non-finite score", v.name, v.id)
		}
		if err != nil {
			return "", err
		}
		copy(scores[src.base:], out)
	}
	*src = rawRows{}
	return v.id, nil
}

// Ranked is one candidate of a ranking: its index among the request's
// candidates and its score.
type Ranked struct {
	Index int
	Score float32
}

// Rank scores candidates for one context with model name, in process: the
// context holds one value per column (nil where the candidates give it),
// each candidate one value per column (nil where the context gives it). It
// returns the candidates by decreasing score (ties by index) in out's
// buffer, and the version that scored them. scores is scratch of at least
// len(candidates).
func (s *Server) Rank(ctx context.Context, name string, context [][]byte, candidates [][][]byte, scores []float32, out []Ranked) ([]Ranked, string, error) {
	id, err := s.score(ctx, name, "candidates", context, candidates, scores)
	if err != nil {
		return nil, "", err
	}
	out = out[:0]
	for i := range candidates {
		out = append(out, Ranked{Index: i, Score: scores[i]})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return a.Index - b.Index
	})
	return out, id, nil
}
