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
// built for. Cancelling ctx stops it with an error wrapping ctx's.
func Predict(ctx context.Context, m model.Model, d Data, task Task, batch int) ([]float32, error) {
	m.SetTraining(false)
	out := make([]float32, d.Len())
	if d.Len() == 0 {
		return out, nil
	}
	g := newBatcher(d.Set, min(batch, d.Len()))
	rows := make([]int32, 0, batch)
	for start := 0; start < len(out); start += batch {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("train: scoring: stopped after %d of %d rows: %w", start, len(out), err)
		}
		end := min(start+batch, len(out))
		rows = rows[:0]
		for i := start; i < end; i++ {
			rows = append(rows, int32(d.row(i)))
		}
		y := m.Forward(g.gather(rows))
		for i, v := range y {
			out[start+i] = task.Score(v)
		}
	}
	return out, nil
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
	scores, err := Predict(ctx, m, d, task, batch)
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
