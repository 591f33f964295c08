package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/internal/cancelsrc"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/train"
)

// bigSource takes minutes to read whole.
const bigSource = "synthetic:ctr?rows=50000000&seed=4&max_vocab=50"

// stopsOnCancel runs f on a spec serving bigSource whose context is
// cancelled after 20,000 records, and checks that f stops within a few
// thousand more records with an error wrapping context.Canceled.
func stopsOnCancel(t *testing.T, what string, f func(ctx context.Context, spec string) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spec, after := cancelsrc.New(bigSource, 20000, cancel)
	if err := f(ctx, spec); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after") {
		t.Errorf("%s: %v, want context.Canceled saying how far it got", what, err)
	}
	if n := after(); n > 10000 {
		t.Errorf("%s read %d records after the cancel", what, n)
	}
}

// Preparing the data and scoring or evaluating with a loaded
// artifact stop soon after their context is cancelled mid-read; so does
// scoring cached rows.
func TestCancelStopsLongReads(t *testing.T) {
	p, o := trainedArtifact(t, "synthetic:ctr?rows=3000&seed=4&max_vocab=50")
	cfg := DefaultConfig()
	schema := p.Encoders.Schema()
	cfg.Schema = &schema
	stopsOnCancel(t, "Prepare", func(ctx context.Context, spec string) error {
		p, err := Prepare(ctx, &cfg, Inputs{Data: spec, CacheDir: t.TempDir(), SplitSeed: 1})
		if err == nil {
			p.Close()
		}
		return err
	})
	l, err := Load(o.Artifact, 256)
	if err != nil {
		t.Fatal(err)
	}
	stopsOnCancel(t, "Score", func(ctx context.Context, spec string) error {
		_, err := l.Score(ctx, spec, data.ReadOptions{}, func([]float32, []float32, []int64) error { return nil })
		return err
	})
	stopsOnCancel(t, "Evaluate", func(ctx context.Context, spec string) error {
		_, err := l.Evaluate(ctx, spec, data.ReadOptions{}, metric.ProtocolHoldout)
		return err
	})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := train.Predict(ctx, l.Model, p.Test, l.Task, 256); !errors.Is(err, context.Canceled) {
		t.Errorf("train.Predict with a cancelled context: %v", err)
	}
	if _, _, err := train.Evaluate(ctx, l.Model, p.Test, l.Task, 256, false, metric.ProtocolHoldout); !errors.Is(err, context.Canceled) {
		t.Errorf("train.Evaluate with a cancelled context: %v", err)
	}
}
