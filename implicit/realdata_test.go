package implicit

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// The NCF/DeepCF files load with the shapes their README verified, and
// ItemPop reproduces the README's figures (ties pessimistic).
func TestRealNCFItemPop(t *testing.T) {
	dir := shareddata.Dir(t, "ncf-loo")
	for _, c := range []struct {
		name               string
		users, items, rows int
		hr, ndcg           float64
	}{
		{"lastfm", 1741, 2665, 67408, 0.6611, 0.3812},
		{"AToy", 3137, 33953, 81505, 0.2662, 0.1432},
		{"AMusic", 1776, 12929, 44311, 0.2387, 0.1250},
	} {
		d, err := LoadNCF(filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if d.In.NumUsers != c.users || d.In.NumItems != c.items || len(d.Train) != c.rows || len(d.Split.Test) != c.users || len(d.Split.Negatives[0]) != 99 {
			t.Fatalf("%s: %d users, %d items, %d training rows, %d test rows, %d negatives", c.name, d.In.NumUsers, d.In.NumItems, len(d.Train), len(d.Split.Test), len(d.Split.Negatives[0]))
		}
		rep, err := d.Evaluate(NewItemPop(d.In, d.Train).Score)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%.4f %.4f", rep.Metrics["hr@10"], rep.Metrics["ndcg@10"]); got != fmt.Sprintf("%.4f %.4f", c.hr, c.ndcg) {
			t.Errorf("%s ItemPop HR@10 NDCG@10 = %s, README %.4f %.4f", c.name, got, c.hr, c.ndcg)
		}
	}
}

// A tiny training run on lastfm: one epoch of GMF already ranks the
// held-out item far above chance (HR@10 0.1) and at ItemPop's level.
func TestRealNCFTrainSmoke(t *testing.T) {
	d, err := LoadNCF(filepath.Join(shareddata.Dir(t, "ncf-loo"), "lastfm"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := DefaultSettings("gmf")
	s.Epochs = 1
	f, err := Fit(context.Background(), d, s, 1, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Evaluate(f.Ranker.Score)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GMF, 1 epoch: HR@10 %.4f NDCG@10 %.4f", rep.Metrics["hr@10"], rep.Metrics["ndcg@10"])
	if !(rep.Metrics["hr@10"] > 0.6) {
		t.Fatalf("GMF after one epoch: HR@10 %.4f", rep.Metrics["hr@10"])
	}
}

// ml-1m-implicit-m1 loads with the README's counts; ItemPop gives the
// README's Recall@20 and NDCG@20 with ties broken by item id, and, with
// this package's pessimistic ties, at most 1e-4 less.
func TestRealML1MItemPop(t *testing.T) {
	d, err := LoadML1MImplicit(shareddata.Dir(t, "ml-1m-implicit-m1"))
	if err != nil {
		t.Fatal(err)
	}
	var test int
	for _, items := range d.Test {
		test += len(items)
	}
	if d.In.NumUsers != 6022 || d.In.NumItems != 3043 || len(d.Train) != 796244 || test != 99455 {
		t.Fatalf("%d users, %d items, %d training and %d test interactions", d.In.NumUsers, d.In.NumItems, len(d.Train), test)
	}
	pop := NewItemPop(d.In, d.Train)
	rep, err := d.Evaluate(pop.Score)
	if err != nil {
		t.Fatal(err)
	}
	// Counts are integers: subtracting id/(items+1) orders equal counts by
	// id, lower first, and keeps distinct counts apart.
	n := float32(d.In.NumItems + 1)
	byID, err := d.Evaluate(func(u int32, items []int32, scores []float32) {
		pop.Score(u, items, scores)
		for k, it := range items {
			scores[k] -= float32(it) / n
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.4f %.4f", byID.Metrics["recall@20"], byID.Metrics["ndcg@20"]); got != "0.1161 0.1176" {
		t.Errorf("ItemPop (ties by id) Recall@20 NDCG@20 = %s, README 0.1161 0.1176", got)
	}
	for _, k := range []string{"recall@20", "ndcg@20"} {
		if d := byID.Metrics[k] - rep.Metrics[k]; d < 0 || d > 1e-4 || math.IsNaN(d) {
			t.Errorf("%s: pessimistic ties %.5f, ties by id %.5f", k, rep.Metrics[k], byID.Metrics[k])
		}
	}
}

// MovieLens 100K u.data: 100,000 ratings of 943 users, each with at least
// 20, so every user is held out once.
func TestRealMovieLensLOO(t *testing.T) {
	d, err := LoadMovieLens(filepath.Join(shareddata.Dir(t, "ml-100k"), "u.data"), 99, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.In.NumUsers != 943 || d.In.NumItems != 1682 || len(d.In.Users) != 100000 || len(d.Split.Test) != 943 || len(d.Train) != 100000-943 {
		t.Fatalf("%d users, %d items, %d rows, %d held out", d.In.NumUsers, d.In.NumItems, len(d.In.Users), len(d.Split.Test))
	}
}
