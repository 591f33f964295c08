package pipeline

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/recforge/recforge/data"
)

// shortAfter serves the records of a synthetic CTR source up to its n-th,
// then one lacking most columns, which the encoders refuse.
type shortAfter struct {
	data.Reader
	n int
}

func (r *shortAfter) Next(rec *data.Record) error {
	if r.n == 0 {
		rec.File, rec.Line, rec.Cols = "short", 451, [][]byte{[]byte("1"), nil, nil}
		return nil
	}
	r.n--
	return r.Reader.Next(rec)
}

func init() {
	data.Register("test-short-after-450", func(string, data.ReadOptions) (data.Reader, error) {
		r, err := data.Open("synthetic:ctr?rows=3000&seed=4&max_vocab=50", data.ReadOptions{})
		if err != nil {
			return nil, err
		}
		return &shortAfter{Reader: r, n: 450}, nil
	}, true)
}

// scored is what Score hands emit, batch by batch.
type scored struct {
	scores, labels []float32
	groups         []int64
}

// scoreAll scores spec with l, keeping every batch emit receives.
func scoreAll(l *Loaded, spec string) ([]scored, error) {
	var out []scored
	_, err := l.Score(context.Background(), spec, data.ReadOptions{}, func(s, y []float32, g []int64) error {
		out = append(out, scored{slices.Clone(s), slices.Clone(y), slices.Clone(g)})
		return nil
	})
	return out, err
}

// Score on 2 and 3 threads hands emit the batches one thread hands it,
// the scores the same bits; a record the encoders refuse fails it after
// the same batches, those before the record, with the same error; and
// evaluation reports the same metrics.
func TestScoreIndependentOfThreads(t *testing.T) {
	const spec = "synthetic:ctr?rows=3000&seed=4&max_vocab=50"
	_, o := trainedArtifact(t, spec)
	var want, wantShort []scored
	var wantErr string
	var wantMetrics map[string]float64
	for _, threads := range []int{1, 2, 3} {
		l, err := Load(o.Artifact, 100)
		if err != nil {
			t.Fatal(err)
		}
		l.Threads = threads
		got, err := scoreAll(l, spec)
		if err != nil {
			t.Fatal(err)
		}
		short, err := scoreAll(l, "test-short-after-450:x")
		if err == nil {
			t.Fatal("a record of 3 columns scored")
		}
		rep, err2 := l.Evaluate(context.Background(), spec, data.ReadOptions{}, "holdout")
		if err2 != nil {
			t.Fatal(err2)
		}
		if threads == 1 {
			want, wantShort, wantErr, wantMetrics = got, short, err.Error(), rep.Metrics
			if len(want) != 30 || len(wantShort) != 4 {
				t.Fatalf("%d batches of 3000 rows, %d before record 451; want 30 and 4", len(want), len(wantShort))
			}
			continue
		}
		if l.scorer == nil || l.scorer.Threads() != threads {
			t.Errorf("%d threads: the scorer does not score on them", threads)
		}
		for _, c := range []struct {
			name      string
			got, want []scored
		}{{"all", got, want}, {"short", short, wantShort}} {
			if len(c.got) != len(c.want) {
				t.Fatalf("%d threads, %s: %d batches, one thread %d", threads, c.name, len(c.got), len(c.want))
			}
			for i, b := range c.got {
				w := c.want[i]
				if len(b.scores) != len(w.scores) || !slices.Equal(b.labels, w.labels) || !slices.Equal(b.groups, w.groups) {
					t.Fatalf("%d threads, %s: batch %d of %d rows, one thread %d (or other labels, groups)", threads, c.name, i, len(b.scores), len(w.scores))
				}
				for j := range b.scores {
					if math.Float32bits(b.scores[j]) != math.Float32bits(w.scores[j]) {
						t.Fatalf("%d threads, %s: batch %d row %d scores %v, one thread %v", threads, c.name, i, j, b.scores[j], w.scores[j])
					}
				}
			}
		}
		if err.Error() != wantErr {
			t.Errorf("%d threads: %v, one thread %v", threads, err, wantErr)
		}
		for k, v := range wantMetrics {
			if math.Float64bits(rep.Metrics[k]) != math.Float64bits(v) {
				t.Errorf("%d threads: %s = %v, one thread %v", threads, k, rep.Metrics[k], v)
			}
		}
	}
}
