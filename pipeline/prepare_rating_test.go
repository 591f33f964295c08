package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/train"
)

// ratingFiles writes a u.data training file of users×items cells, each
// rated with probability p, and a small test file.
func ratingFiles(t *testing.T, users, items int, p float64) (trainSpec, testSpec string) {
	t.Helper()
	dir := t.TempDir()
	var tr strings.Builder
	k := 0
	for u := 1; u <= users; u++ {
		for i := 1; i <= items; i++ {
			if k++; float64((k*7919)%1000)/1000 < p {
				fmt.Fprintf(&tr, "%d\t%d\t%d\t%d\n", u, i, 1+(u+i)%5, k)
			}
		}
	}
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return "movielens:" + path
	}
	return write("r.base", tr.String()), write("r.test", "1\t1\t3\t0\n2\t3\t4\t0\n")
}

func prepareRating(t *testing.T, trainSpec, testSpec string, h RatingHoldout) *Prepared {
	t.Helper()
	cfg := &Config{Model: ModelConfig{Name: "biasedmf"}, Train: train.DefaultConfig()}
	p, err := PrepareRating(context.Background(), cfg, Inputs{Data: trainSpec, Test: testSpec, CacheDir: t.TempDir(), SplitSeed: 1}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// The random hold-out is a seeded share of the training ratings, the rest
// in the file's order, and the vocabularies cover the whole file.
func TestPrepareRatingRandomHoldout(t *testing.T) {
	trainSpec, testSpec := ratingFiles(t, 40, 30, 0.3)
	p := prepareRating(t, trainSpec, testSpec, RatingHoldout{Share: 0.1, Seed: 3})
	n := p.Train.Set.Rows
	if p.Task != train.Regression || p.Watch != "rmse" || p.Test.Len() != 2 {
		t.Errorf("task %q, watch %q, %d test rows", p.Task, p.Watch, p.Test.Len())
	}
	if got, want := p.Valid.Len(), int(math.Round(0.1*float64(n))); got != want || p.Train.Len()+got != n {
		t.Errorf("%d + %d of %d rows, want %d held out", p.Train.Len(), got, n, want)
	}
	all := append(slices.Clone(p.Train.Rows), p.Valid.Rows...)
	slices.Sort(all)
	for i, r := range all {
		if int(r) != i {
			t.Fatalf("the parts are not a partition of the %d rows", n)
		}
	}
	if !slices.IsSorted(p.Train.Rows) || !slices.IsSorted(p.Valid.Rows) {
		t.Error("the parts are not in the file's order")
	}
	if u := p.Encoders.Vocab("user"); u == nil || u.Len() != 40 {
		t.Errorf("the user vocabulary is not the whole file's 40 users: %v", u)
	}
	same := prepareRating(t, trainSpec, testSpec, RatingHoldout{Share: 0.1, Seed: 3})
	other := prepareRating(t, trainSpec, testSpec, RatingHoldout{Share: 0.1, Seed: 4})
	if !slices.Equal(same.Valid.Rows, p.Valid.Rows) || slices.Equal(other.Valid.Rows, p.Valid.Rows) {
		t.Error("the hold-out is not a function of its seed")
	}
	if other.Fingerprint == p.Fingerprint {
		t.Error("two hold-outs share a fingerprint")
	}
}

// The user hold-out draws a share of the users with two ratings or more and
// takes round(share × n_u) of each drawn user's ratings, at least one, never
// all.
func TestPrepareRatingUserHoldout(t *testing.T) {
	trainSpec, testSpec := ratingFiles(t, 40, 30, 0.3)
	p := prepareRating(t, trainSpec, testSpec, RatingHoldout{Mode: "users", Seed: 5})
	set := p.Train.Set
	user := func(r int32) int32 { return set.IDs[int(r)*set.Slots+0] } // slot 0: user
	total, held := map[int32]int{}, map[int32]int{}
	for r := range set.Rows {
		total[user(int32(r))]++
	}
	for _, r := range p.Valid.Rows {
		held[user(r)]++
	}
	if len(held) != 20 {
		t.Errorf("%d of 40 users drawn, want 20", len(held))
	}
	for u, h := range held {
		if want := min(max(int(math.Round(0.2*float64(total[u]))), 1), total[u]-1); h != want {
			t.Errorf("user %d: %d of %d ratings held out, want %d", u, h, total[u], want)
		}
	}
}

func TestPrepareRatingErrors(t *testing.T) {
	trainSpec, testSpec := ratingFiles(t, 10, 10, 0.3)
	cfg := &Config{Model: ModelConfig{Name: "baseline"}, Train: train.DefaultConfig()}
	for _, c := range []struct {
		h    RatingHoldout
		want string
	}{
		{RatingHoldout{Mode: "blocks"}, `validation mode "blocks"`},
		{RatingHoldout{Share: 1.5}, "validation share 1.5"},
		{RatingHoldout{Mode: "users", Users: 2}, "validation user share 2"},
		{RatingHoldout{Mode: "users", Users: 0.001}, "draws none"},
	} {
		_, err := PrepareRating(context.Background(), cfg, Inputs{Data: trainSpec, Test: testSpec, CacheDir: t.TempDir()}, c.h)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error saying %q", c.h, err, c.want)
		}
	}
}
