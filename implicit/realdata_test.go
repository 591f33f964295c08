package implicit

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
	"github.com/recforge/recforge/model"
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
		rep := evaluate(t, d, Settings{Model: "itempop"})
		if got := fmt.Sprintf("%.4f %.4f", rep["hr@10"], rep["ndcg@10"]); got != fmt.Sprintf("%.4f %.4f", c.hr, c.ndcg) {
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
	rep := evaluate(t, d, s)
	t.Logf("GMF, 1 epoch: HR@10 %.4f NDCG@10 %.4f", rep["hr@10"], rep["ndcg@10"])
	if !(rep["hr@10"] > 0.6) {
		t.Fatalf("GMF after one epoch: HR@10 %.4f", rep["hr@10"])
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
	rep := evaluate(t, d, Settings{Model: "itempop"})
	// Counts are integers: subtracting id/(items+1) orders equal counts by
	// id, lower first, and keeps distinct counts apart.
	counts := make([]float32, d.In.NumItems)
	for _, r := range d.Train {
		counts[d.In.Items[r]]++
	}
	n := float32(d.In.NumItems + 1)
	enc, err := d.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := d.IDs(enc)
	if err != nil {
		t.Fatal(err)
	}
	byID := metrics(t, d, byScore{ids.Items[0], func(it int32) float32 { return counts[it] - float32(it)/n }})
	if got := fmt.Sprintf("%.4f %.4f", byID["recall@20"], byID["ndcg@20"]); got != "0.1161 0.1176" {
		t.Errorf("ItemPop (ties by id) Recall@20 NDCG@20 = %s, README 0.1161 0.1176", got)
	}
	for _, k := range []string{"recall@20", "ndcg@20"} {
		if d := byID[k] - rep[k]; d < 0 || d > 1e-4 || math.IsNaN(d) {
			t.Errorf("%s: pessimistic ties %.5f, ties by id %.5f", k, rep[k], byID[k])
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

// byScore is a model of a dataset's own encoders that scores an item by
// score of its dense id, whoever the user.
type byScore struct {
	first int32 // the layout id of dense item 0
	score func(item int32) float32
}

func (f byScore) Forward(*model.Batch) []float32 { panic("byScore scores through ScoreItems") }
func (f byScore) Backward([]float32)             {}
func (f byScore) Parts() []model.Part            { return nil }
func (f byScore) SetTraining(bool)               {}
func (f byScore) ScoreItems(_ int32, items []int32, scores []float32) {
	for k, id := range items {
		scores[k] = f.score(id - f.first)
	}
}
