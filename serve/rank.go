package serve

import (
	"context"
	"slices"
	"strconv"
)

// rank scores the candidates of {"context": {…}, "candidates": […],
// "top_k": N, "attention": bool}, each merged with the context, and answers
// them sorted by decreasing score (ties by request order):
//
//	{"model": …, "version": …, "candidates": [{"index": 3, "score": 0.91,
//	  "attention": {"hist_item": [0.2, …], …}}, …]}
//
// index is the candidate's position in the request. attention, for models
// with attention over the behaviour history (DIN, DIEN) unless the request
// turns it off, gives for each sequence column the weights of the positions
// the model saw, in the order of the request's array (the last max_len
// elements of a longer history under keep_last); padding has none.
func (s *Server) rank(ctx context.Context, v *version, req *request) (int, error) {
	if err := req.parseRank(); err != nil {
		return 0, err
	}
	rep, scores, err := v.scoreChecked(ctx, req)
	if err != nil {
		return 0, err
	}
	defer v.release(rep)
	order := sortByScore(req.order[:0], scores)
	req.order = order
	if req.topK > 0 && req.topK < len(order) {
		order = order[:req.topK]
	}
	w, width, attends := v.attention(rep)
	attends = attends && req.attention
	b := v.appendIdentity(req.out[:0], `{"model":`, `,"version":`)
	b = append(b, `,"candidates":[`...)
	for j, i := range order {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"score":`...)
		b = appendScore(b, scores[i])
		if attends {
			b = append(b, `,"attention":{`...)
			for k := range v.seqs {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, v.seqCols[k])
				b = append(b, ":["...)
				for t, x := range v.realWeights(rep, w, width, int(i), k) {
					if t > 0 {
						b = append(b, ',')
					}
					b = appendScore(b, x)
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	req.out = append(b, "]}\n"...)
	return len(scores), nil
}

// sortByScore returns the row indices ordered by decreasing score, ties by
// increasing index, in order's buffer.
func sortByScore(order []int32, scores []float32) []int32 {
	for i := range scores {
		order = append(order, int32(i))
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return int(a - b)
	})
	return order
}
