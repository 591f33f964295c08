package train

import (
	"testing"

	"github.com/recforge/recforge/metric"
)

// gAUC undefined (no group has both classes) is left out of the metrics,
// as AUC on one class is, rather than failing the evaluation.
func TestMetricsUndefinedGAUC(t *testing.T) {
	scores := []float32{0.2, 0.7, 0.4, 0.9}
	labels := []float32{0, 1, 0, 1}
	r, err := Metrics(Binary, scores, labels, []int64{1, 2, 3, 4}, metric.ProtocolHoldout)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Metrics["gauc"]; ok {
		t.Errorf("gauc %v reported over groups of one class each", r.Metrics["gauc"])
	}
	if r.Metrics["auc"] != 1 {
		t.Errorf("auc %v, want 1", r.Metrics["auc"])
	}
	// With one mixed group, both forms are that group's AUC.
	r, err = Metrics(Binary, scores, labels, []int64{1, 1, 3, 4}, metric.ProtocolHoldout)
	if err != nil || r.Metrics["gauc"] != 1 || r.Metrics["gauc_mean"] != 1 {
		t.Fatalf("gauc %v / %v, %v; want 1", r.Metrics["gauc"], r.Metrics["gauc_mean"], err)
	}
}
