package behavior

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/internal/shareddata"
)

// amazon-video-seq: the counts of its README, and the SASRec split's
// sample counts computed from the file independently.
func TestRealAmazonVideo(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: not in -short")
	}
	path := filepath.Join(shareddata.Dir(t, "amazon-video-seq"), "Video.txt")
	l, err := ReadSeqLog(path, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Users() != 31013 || l.Items() != 23715 || l.Events() != 287107 {
		t.Fatalf("%d users, %d items, %d events; want 31013, 23715, 287107", l.Users(), l.Items(), l.Events())
	}
	// Each user's event count from the text itself.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		u, _, _ := strings.Cut(sc.Text(), " ")
		n[u]++
	}
	want := map[Part]int{}
	for _, k := range n {
		if k-1 >= 3 {
			want[Train] += k - 3
			want[Valid]++
			want[Test]++
		} else {
			want[Train] += k - 1
		}
	}
	s, err := NewSampler(l, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Part{Train, Valid, Test} {
		got, pos := 0, 0
		err := s.Each(p, func(x Sample) error {
			got++
			if x.Label == 1 {
				pos++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != 2*want[p] || pos != want[p] {
			t.Errorf("%s: %d samples (%d positive), want %d (%d)", p, got, pos, 2*want[p], want[p])
		}
	}
}

// MovieLens-100K: every rating with an earlier-timestamped rating of its
// user is a sample, labelled 1 for a rating of 4 or 5.
func TestRealMovieLens(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: not in -short")
	}
	dir := shareddata.Dir(t, "ml-100k")
	l, err := ReadMovieLens(dir, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Users() != 943 || l.Items() != 1682 || l.Events() != 100000 || len(l.cats) > 19 {
		t.Fatalf("%d users, %d items, %d events, %d genres", l.Users(), l.Items(), l.Events(), len(l.cats))
	}
	s, err := NewSampler(l, Config{MaxLen: 50, MinRating: 4, Valid: 5, Test: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Independently: per user, the ratings whose timestamp is later than
	// the user's first.
	first := map[int32]int64{}
	samples, pos := 0, 0
	for u := range int32(l.Users()) {
		lo, hi := l.off[u], l.off[u+1]
		first[u] = l.time[lo]
		for k := lo; k < hi; k++ {
			if l.time[k] > first[u] {
				samples++
				if l.rating[k] >= 4 {
					pos++
				}
			}
		}
	}
	got, gotPos := 0, 0
	test := 0
	for _, p := range []Part{Train, Valid, Test} {
		err := s.Each(p, func(x Sample) error {
			got++
			if x.Label == 1 {
				gotPos++
			}
			if p == Test {
				test++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got != samples || gotPos != pos {
		t.Fatalf("%d samples (%d positive), want %d (%d)", got, gotPos, samples, pos)
	}
	// Every user has ≥ 20 ratings, so 5 test steps each; a test step whose
	// history would be empty (rated at the user's first timestamp) is none.
	if test > 5*943 || test < 5*943-50 {
		t.Errorf("%d test samples, want about 5 per user (4715)", test)
	}
	t.Logf("ML-100K: %d samples, %.3f positive, %d test", got, float64(gotPos)/float64(got), test)
}

// The fixtures of DIN-style input formats read with the counts their
// README gives, and the Taobao one fits and encodes with its built-in
// schema.
func TestRealFixtures(t *testing.T) {
	dir := shareddata.Dir(t, "fixtures")
	l, err := ReadEventLog(filepath.Join(dir, "torch-rechub", "amazon_electronics_sample.csv"), data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Users() != 17 || l.Items() != 99 || len(l.cats) != 67 || l.Events() != 100 {
		t.Fatalf("amazon electronics sample: %d users, %d items, %d categories, %d events", l.Users(), l.Items(), len(l.cats), l.Events())
	}
	for u := range int32(l.Users()) {
		for k := l.off[u] + 1; k < l.off[u+1]; k++ {
			if l.time[k] < l.time[k-1] {
				t.Fatalf("user %s's events are out of time order", l.User(u))
			}
		}
	}
	for _, name := range []string{"train_sample.csv", "test_sample.csv"} {
		spec := "taobao:" + filepath.Join(dir, "fuxictr-taobao", name)
		schema, ok, err := dataset.DefaultSchema(spec)
		if err != nil || !ok {
			t.Fatalf("%s: no built-in schema: %v", spec, err)
		}
		enc, err := dataset.Fit(context.Background(), spec, schema, dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := dataset.Build(context.Background(), spec, enc, filepath.Join(t.TempDir(), "c.rfc"), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		clicks, hist := 0, 0
		for r := range d.Rows {
			clicks += int(d.Label[r])
			if d.SeqLens[r] > 0 {
				hist++
			}
		}
		d.Close()
		want := map[string][3]int{"train_sample.csv": {100, 4, 25}, "test_sample.csv": {100, -1, 16}}[name]
		if d.Rows != want[0] || want[1] >= 0 && clicks != want[1] || hist != want[2] {
			t.Errorf("%s: %d rows, %d clicks, %d with a history; want %v", name, d.Rows, clicks, hist, want)
		}
	}
}
