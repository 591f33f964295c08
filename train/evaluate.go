package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
)

// higherIsBetter lists the metrics Evaluate computes and their direction.
var higherIsBetter = map[string]bool{
	"auc": true, "gauc": true, "gauc_mean": true, "accuracy": true,
	"logloss": false, "rmse": false, "mae": false,
}

// rankingAtK are the ranking protocols' metrics reported at a cut-off K
// as name@K (metric.RankingAccumulator); all are better higher, as is mrr.
var rankingAtK = []string{"hr", "ndcg", "recall", "precision"}

func metricNames() string {
	var ns []string
	for n := range higherIsBetter {
		ns = append(ns, n)
	}
	for _, n := range rankingAtK {
		ns = append(ns, n+"@K")
	}
	slices.Sort(ns)
	return strings.Join(append(ns, "mrr"), ", ")
}

// HigherIsBetter reports whether larger values of the named metric are
// better, and whether the metric is known.
func HigherIsBetter(name string) (higher, ok bool) {
	if higher, ok = higherIsBetter[name]; ok {
		return higher, ok
	}
	base, k, cut := strings.Cut(name, "@")
	if n, err := strconv.Atoi(k); cut && err == nil && n >= 1 && strconv.Itoa(n) == k && slices.Contains(rankingAtK, base) {
		return true, true
	}
	return name == "mrr", name == "mrr"
}

// Predict returns the model's score of every row in view, in order: the
// click probability for a binary task, the prediction for regression. It
// switches m to inference mode. batch must not exceed the MaxBatch m was
// built for. Cancelling ctx stops it with an error wrapping ctx's. A
// Scorer's Predict gives the same scores on several threads.
func Predict(ctx context.Context, m model.Model, d Data, task Task, batch int) ([]float32, error) {
	return NewScorer(m, 1, nil).Predict(ctx, d, task, batch)
}

// Score turns a model output into the task's score: for a binary task the
// probability σ(z), computed in float64 and rounded once; for regression
// the output itself. Every scoring path (evaluation, predict, serving)
// goes through it, so they agree bit for bit.
func (t Task) Score(z float32) float32 {
	if t == Binary {
		return float32(1 / (1 + math.Exp(-float64(z))))
	}
	return z
}

// Metrics scores predictions against labels: for a binary task AUC, log
// loss and accuracy, and both gAUC forms when groups is not nil ("gauc",
// impression-weighted as in the DIN paper, and "gauc_mean"); for
// regression RMSE and MAE.
func Metrics(task Task, scores, labels []float32, groups []int64, protocol string) (*metric.Report, error) {
	r := metric.NewReport(protocol)
	if task == Regression {
		rmse, err := metric.RMSE(scores, labels)
		if err != nil {
			return nil, err
		}
		mae, err := metric.MAE(scores, labels)
		if err != nil {
			return nil, err
		}
		r.Set("rmse", rmse)
		r.Set("mae", mae)
		return r, nil
	}
	// AUC is undefined on one class (a tiny validation part): it is then
	// left out rather than failing the run.
	auc, err := metric.AUC(scores, labels)
	if err != nil && !errors.Is(err, metric.ErrUndefined) {
		return nil, fmt.Errorf("auc: %w", err)
	}
	ll, err := metric.LogLoss(scores, labels)
	if err != nil {
		return nil, fmt.Errorf("logloss: %w", err)
	}
	acc, err := metric.Accuracy(scores, labels)
	if err != nil {
		return nil, fmt.Errorf("accuracy: %w", err)
	}
	if !math.IsNaN(auc) {
		r.Set("auc", auc)
	}
	r.Set("logloss", ll)
	r.Set("accuracy", acc)
	if groups != nil {
		// Likewise gAUC when no group has both classes (a small
		// validation part of one impression per user, say).
		g, err := metric.GAUC(scores, labels, groups)
		if err != nil && !errors.Is(err, metric.ErrUndefined) {
			return nil, fmt.Errorf("gauc: %w", err)
		}
		if g.Counted > 0 {
			r.Set("gauc", g.Weighted)
			r.Set("gauc_mean", g.Mean)
		}
	}
	return r, nil
}

// Evaluate predicts every row in view and scores the predictions.
// grouped asks for gAUC over the rows' group keys. Cancelling ctx stops it
// as it does Predict.
func Evaluate(ctx context.Context, m model.Model, d Data, task Task, batch int, grouped bool, protocol string) (*metric.Report, []float32, error) {
	return evaluate(ctx, NewScorer(m, 1, nil), d, task, batch, grouped, protocol)
}

// evaluate is Evaluate with s's model, on s's threads.
func evaluate(ctx context.Context, s *Scorer, d Data, task Task, batch int, grouped bool, protocol string) (*metric.Report, []float32, error) {
	scores, err := s.Predict(ctx, d, task, batch)
	if err != nil {
		return nil, nil, err
	}
	var groups []int64
	if grouped {
		groups = d.Groups()
	}
	r, err := Metrics(task, scores, d.Labels(), groups, protocol)
	return r, scores, err
}
