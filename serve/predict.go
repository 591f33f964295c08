package serve

import (
	"context"
	"fmt"
)

// predict scores the rows of {"rows": […]} and answers
// {"model": …, "version": …, "scores": […]}, one score per row in order
// (a probability for a binary task).
func (s *Server) predict(ctx context.Context, v *version, req *request) (int, error) {
	if err := req.parsePredict(); err != nil {
		return 0, err
	}
	rep, err := v.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer v.release(rep)
	scores, err := v.score(rep, req)
	if err != nil {
		return 0, err
	}
	if !finite(scores) {
		return 0, fmt.Errorf("model %s version %s produced a non-finite score", v.name, v.id)
	}
	b := append(req.out[:0], `{"model":`...)
	b = append(b, v.jsonName...)
	b = append(b, `,"version":`...)
	b = append(b, v.jsonID...)
	b = append(b, `,"scores":[`...)
	for i, x := range scores {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendScore(b, x)
	}
	req.out = append(b, "]}\n"...)
	return len(scores), nil
}
