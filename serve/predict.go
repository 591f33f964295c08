package serve

import "context"

// predict scores the rows of {"rows": […]} and answers
// {"model": …, "version": …, "scores": […]}, one score per row in order
// (a probability for a binary task).
func (s *Server) predict(ctx context.Context, v *version, req *request) (int, error) {
	if err := req.parsePredict(); err != nil {
		return 0, err
	}
	rep, scores, err := v.scoreChecked(ctx, req)
	if err != nil {
		return 0, err
	}
	defer v.release(rep)
	b := v.appendIdentity(req.out[:0], `{"model":`, `,"version":`)
	b = append(b, `,"scores":[`...)
	b = appendScores(b, scores)
	req.out = append(b, "]}\n"...)
	return len(scores), nil
}
